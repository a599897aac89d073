"""Signing in: the password policy, the per-login and per-device schedule of attempts
(the progressive delay parallel guesses cannot skip), device tokens, and the sign-in
use case itself."""
