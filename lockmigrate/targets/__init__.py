"""Writers: each turns the model into a plan of file changes for one output format."""
