/** The team API's routes (method, API Gateway resource), served by one Lambda: the CDK and the local runtime read this. */
export const TEAM_ROUTES = [
  ['GET', '/v2/team'],
  ['PUT', '/v2/team/webhook'],
  ['DELETE', '/v2/team/webhook'],
  ['POST', '/v2/team/webhook/rotate-secret'],
  ['POST', '/v2/team/webhook/test'],
  ['GET', '/v2/team/webhook/deliveries'],
  ['PUT', '/v2/team/quiet-hours'],
  ['POST', '/v2/team/keys/rotate'],
  ['GET', '/v2/usage'],
] as const satisfies ReadonlyArray<readonly [string, string]>;
