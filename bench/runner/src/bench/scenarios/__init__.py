"""One module per scenario; each runs ours and its raw ceiling on the same stage."""
