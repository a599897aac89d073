"""Archive: sealed year packages (later); for now it keeps what journal announces."""
