"""Sign-in through an external OpenID Connect provider (ЕСИА/Госуслуги in production):
auth is the relying party, with the authorization code flow and PKCE (S256).

1. The web client asks `POST /oidc/sign-in` (or, signed in, `POST /oidc/link`) and sends
   the browser to the URL it gets. The state, the nonce and the PKCE verifier stay here
   (flows.py), bound to the browser by an HttpOnly cookie, single-use, expiring.
2. The provider sends the browser back to the web client's callback page, which posts
   the query to `POST /oidc/callback`: the state is spent, the code exchanged for tokens
   with the verifier and the client secret, the ID token verified (provider.py).
3. A link records the account against the provider's subject (links.py; adults only); a
   sign-in opens a normal session of the linked account (signin.py).

Nothing configured (settings `oidc_*`), the feature is off: `GET /oidc` says so and every
other endpoint answers 404 `oidc-not-configured`."""
