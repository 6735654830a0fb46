"""Hospital sign-in through an OpenID Connect provider (issue 16): settings (`config`), the
provider's endpoints, keys and token checks (`provider`), and its claims in RectoPlan's terms
(`claims`). The pages are `rectoplan.web.pages.oidc`; the back-channel logout and the API's
acceptance of the provider's access tokens are `rectoplan.web.routes.oidc` and
`rectoplan.web.oidc.access`."""
