
k72kind out of range