"""Issuing credentials as the school's regulation says: accounts pending activation,
one-time activation codes, first sign-in, reissue and reset, disabling, a class's slips."""
