
badÿş2$broken Ã( â‚ ğŸ˜ í € overlong À¯ end