import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { ENV, SCHEDULER_ENV_NAMES } from '../../definitions/environment';
import { errorBody } from '../../lambdas/domain/sinch/error-codes';
import { API_ENDPOINT_ACCESS_MODE, API_SECURITY_POLICY } from '../../lib/constructs/rest-api-support';
import {
  actionsOf,
  apiRoutes,
  configWith,
  functionOf,
  props,
  resources,
  resourcesOf,
  roleOfFunction,
  statementsByRole,
  synth,
  text,
  type Json,
  type Statement,
} from './support';

const prod = synth(configWith('prod'));
const { stateless } = prod;
const functions = resources(stateless, 'AWS::Lambda::Function');
const rolesStatements = statementsByRole(stateless);
const statementsOf = (handler: Parameters<typeof functionOf>[1]): Statement[] =>
  rolesStatements[roleOfFunction(stateless, functionOf(prod, handler))] ?? [];
const lambdaRoles = Object.values(functions).map(
  (fn) => (props(fn).Role as { 'Fn::GetAtt': [string] })['Fn::GetAtt'][0],
);

/** Logical id of an exported stateful resource as it appears in an import, e.g. `PostbacksTable`. */
const refersTo = (resource: unknown, statefulName: string): boolean => text(resource).includes(statefulName);

describe('Lambda functions', () => {
  it('runs all fifteen handlers', () => {
    expect(Object.keys(functions)).toHaveLength(15);
  });

  it('runs every function on nodejs24.x, arm64, with active X-Ray tracing', () => {
    for (const fn of Object.values(functions)) {
      expect(props(fn)).toMatchObject({
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        TracingConfig: { Mode: 'Active' },
      });
    }
  });

  it('gives every function its own log group with the configured retention', () => {
    const groups = resources(stateless, 'AWS::Logs::LogGroup');
    for (const fn of Object.values(functions)) {
      const group = (props(fn).LoggingConfig as { LogGroup: { Ref: string } }).LogGroup.Ref;
      expect(props(groups[group] as Json).RetentionInDays).toBe(prod.config.logRetentionDays);
    }
  });

  it('sets source maps and the Powertools settings on every function', () => {
    for (const fn of Object.values(functions)) {
      expect((props(fn).Environment as { Variables: Json }).Variables).toMatchObject({
        NODE_OPTIONS: '--enable-source-maps',
        POWERTOOLS_SERVICE_NAME: 'mms-gateway-prod',
        POWERTOOLS_METRICS_NAMESPACE: 'MmsGateway',
        POWERTOOLS_LOG_LEVEL: 'INFO',
      });
    }
  });

  it('names handler settings only with the variable names of lambdas/adapters (ENV, SCHEDULER_ENV, RECURRING_ENV)', () => {
    const known = new Set<string>([
      ...Object.values(ENV),
      ...SCHEDULER_ENV_NAMES,
      'NODE_OPTIONS',
      'POWERTOOLS_SERVICE_NAME',
      'POWERTOOLS_METRICS_NAMESPACE',
      'POWERTOOLS_LOG_LEVEL',
    ]);
    for (const fn of Object.values(functions)) {
      for (const name of Object.keys((props(fn).Environment as { Variables: Json }).Variables)) {
        expect(known, name).toContain(name);
      }
    }
  });

  it('passes the send settings of the config to the send function', () => {
    const send = props(functions[functionOf(prod, 'send')] as Json);
    expect((send.Environment as { Variables: Json }).Variables).toMatchObject({
      [ENV.accountTps]: String(prod.config.accountTps),
      [ENV.tpsSafetyFactor]: String(prod.config.tpsSafetyFactor),
      [ENV.maxAttempts]: String(prod.config.maxAttempts),
      [ENV.sinchBaseUrl]: prod.config.sinchBaseUrl,
    });
  });
});

describe('least privilege', () => {
  it('lets only the send Lambda read the Sinch secret and only the postback Lambda the postback token', () => {
    const readers = Object.entries(rolesStatements).filter(([, statements]) =>
      statements.some((s) => actionsOf(s).includes('secretsmanager:GetSecretValue')),
    );
    expect(readers.map(([role]) => role).sort()).toEqual(
      [
        roleOfFunction(stateless, functionOf(prod, 'send')),
        roleOfFunction(stateless, functionOf(prod, 'postback')),
      ].sort(),
    );
    const policiesWithRead = Object.values(resources(stateless, 'AWS::IAM::Policy')).filter((p) =>
      text(props(p).PolicyDocument).includes('secretsmanager:GetSecretValue'),
    );
    expect(policiesWithRead).toHaveLength(2);
    const postbackReads = statementsOf('postback').filter((s) =>
      actionsOf(s).includes('secretsmanager:GetSecretValue'),
    );
    expect(text(postbackReads.flatMap(resourcesOf))).not.toContain('SinchApiKey');
  });

  it('lets the postback Lambda only put items into the postbacks table, nothing else of the gateway', () => {
    const dataStatements = statementsOf('postback').filter(
      (s) =>
        !actionsOf(s).every(
          (a) => a.startsWith('logs:') || a.startsWith('xray:') || a.startsWith('secretsmanager:'),
        ),
    );
    expect(dataStatements).toHaveLength(1);
    const [statement] = dataStatements as [Statement];
    expect(actionsOf(statement)).toEqual(['dynamodb:PutItem']);
    expect(resourcesOf(statement).every((r) => refersTo(r, 'PostbacksTable'))).toBe(true);
  });

  it('grants no wildcard action (`*` or `service:*`) to any Lambda role', () => {
    for (const role of lambdaRoles) {
      for (const statement of rolesStatements[role] ?? []) {
        for (const action of actionsOf(statement)) expect(action, role).not.toMatch(/(^\*$)|(:\*$)/);
      }
    }
  });

  it("uses Resource '*' only for actions without resource-level permissions (X-Ray, ListStreams)", () => {
    const allowed = new Set(['xray:PutTraceSegments', 'xray:PutTelemetryRecords', 'dynamodb:ListStreams']);
    for (const role of lambdaRoles) {
      for (const statement of rolesStatements[role] ?? []) {
        if (resourcesOf(statement).includes('*')) {
          for (const action of actionsOf(statement)) expect(allowed, `${role} ${action}`).toContain(action);
        }
      }
    }
  });

  it('grants DynamoDB access on named tables and indexes only, never index/*', () => {
    for (const role of lambdaRoles) {
      for (const statement of rolesStatements[role] ?? []) {
        expect(text(statement.Resource), role).not.toContain('/index/*');
      }
    }
  });

  it('never lets a deployed webhook worker call http:// or loopback targets', () => {
    for (const fn of Object.values(functions)) {
      const variables = (props(fn).Environment as { Variables: Json }).Variables;
      expect(variables[ENV.webhookAllowInsecureLocal]).toBeUndefined();
    }
  });

  it('keeps the read-only functions read-only', () => {
    const writes = /dynamodb:(PutItem|UpdateItem|DeleteItem|BatchWriteItem)|sqs:SendMessage|events:PutEvents/;
    for (const handler of ['authorizer', 'query'] as const) {
      for (const statement of statementsOf(handler)) {
        for (const action of actionsOf(statement)) expect(action, handler).not.toMatch(writes);
      }
    }
  });

  it('lets only the accept entries (ingest, events worker) create templates and messages (PutItem)', () => {
    const accepting = [
      roleOfFunction(stateless, functionOf(prod, 'ingest')),
      roleOfFunction(stateless, functionOf(prod, 'events')),
    ].sort();
    for (const table of ['TemplatesTable', 'MessagesTable']) {
      const creators = Object.entries(rolesStatements)
        .filter(([, statements]) =>
          statements.some(
            (s) =>
              actionsOf(s).includes('dynamodb:PutItem') && resourcesOf(s).some((r) => refersTo(r, table)),
          ),
        )
        .map(([role]) => role);
      expect(creators.sort(), table).toEqual(accepting);
    }
  });

  it('gives the events worker exactly the accept access of the HTTP ingest, plus teams, the bus and its queue', () => {
    const dataActions = (handler: Parameters<typeof statementsOf>[0]) =>
      statementsOf(handler)
        .filter((s) => !actionsOf(s).some((a) => /^(logs|xray):/.test(a)))
        .map((s) => text({ Action: actionsOf(s), Resource: s.Resource }));
    const ingest = dataActions('ingest');
    const events = dataActions('events');
    for (const statement of ingest) expect(events).toContain(statement);
    const extra = events.filter((s) => !ingest.includes(s)).join('\n');
    expect(extra).toContain('dynamodb:GetItem');
    expect(extra).toContain('TeamsTable');
    expect(extra).toContain('events:PutEvents');
    expect(extra).toContain('sqs:ReceiveMessage');
  });

  it('lets the manage Lambda only read and update messages and delete postbacks (besides scheduling)', () => {
    const dynamo = statementsOf('manage').filter((s) => actionsOf(s).some((a) => a.startsWith('dynamodb:')));
    const messages = dynamo.filter((s) => resourcesOf(s).every((r) => refersTo(r, 'MessagesTable')));
    expect(messages.flatMap(actionsOf).sort()).toEqual(['dynamodb:GetItem', 'dynamodb:UpdateItem']);
    // Erasure (DELETE /v2/messages/{id}/content) deletes the message's raw postbacks.
    const others = dynamo.filter((s) => !messages.includes(s));
    expect(others.flatMap(actionsOf)).toEqual(['dynamodb:DeleteItem']);
    expect(others.flatMap(resourcesOf).every((r) => refersTo(r, 'PostbacksTable'))).toBe(true);
    expect(statementsOf('manage').flatMap(actionsOf)).not.toContain('sqs:SendMessage');
  });

  it('lets the webhook worker read teams, read and update messages and templates, and send only to the webhook queue', () => {
    const data = statementsOf('webhook').filter((s) => !actionsOf(s).some((a) => /^(logs|xray):/.test(a)));
    const byAction = (action: string) =>
      data.filter((s) => actionsOf(s).includes(action)).flatMap(resourcesOf);
    expect(byAction('dynamodb:GetItem').some((r) => refersTo(r, 'TeamsTable'))).toBe(true);
    expect(byAction('dynamodb:GetItem').some((r) => refersTo(r, 'MessagesTable'))).toBe(true);
    // Template events go out only for a template of the event's team (docs/security.md).
    expect(byAction('dynamodb:GetItem').some((r) => refersTo(r, 'TemplatesTable'))).toBe(true);
    // Messages and templates (history) and the control table (the team's delivery log), nothing else.
    expect(
      byAction('dynamodb:UpdateItem').every(
        (r) => refersTo(r, 'MessagesTable') || refersTo(r, 'TemplatesTable') || refersTo(r, 'ControlTable'),
      ),
    ).toBe(true);
    expect(byAction('dynamodb:UpdateItem').some((r) => refersTo(r, 'MessagesTable'))).toBe(true);
    expect(byAction('sqs:SendMessage').map(text)).toEqual([
      expect.stringMatching(/WebhookQueue[0-9A-F]*Arn/),
    ]);
    const actions = new Set(data.flatMap(actionsOf));
    for (const forbidden of [
      'dynamodb:PutItem',
      'dynamodb:DeleteItem',
      'events:PutEvents',
      'secretsmanager:GetSecretValue',
    ]) {
      expect(actions).not.toContain(forbidden);
    }
  });

  it('lets the authorizer read only the teams table', () => {
    const dynamo = statementsOf('authorizer').filter((s) =>
      actionsOf(s).some((a) => a.startsWith('dynamodb:')),
    );
    expect(dynamo.flatMap(actionsOf)).toEqual(['dynamodb:GetItem']);
    expect(dynamo.flatMap(resourcesOf).every((r) => refersTo(r, 'TeamsTable'))).toBe(true);
  });
});

describe('ingest API', () => {
  const routes = apiRoutes(prod, 'mms-gateway-prod-ingest');
  const functionArnOf = (route: string): string => text((routes[route]?.Integration as Json).Uri);

  it('has the routes: POST /v2/, GET /v2/messages[/stats|/{id}], DELETE and PATCH /v2/messages/{id}, /v2/schedules…, GET /v2/templates[/{id}], GET /v2/openapi.json', () => {
    expect(Object.keys(routes).sort()).toEqual([
      'DELETE /v2/messages/{id}',
      'DELETE /v2/messages/{id}/content',
      'DELETE /v2/schedules/{id}',
      'DELETE /v2/suppressions/{number}',
      'DELETE /v2/team/webhook',
      'GET /console',
      'GET /console/{proxy+}',
      'GET /v2/messages',
      'GET /v2/messages/stats',
      'GET /v2/messages/{id}',
      'GET /v2/openapi.json',
      'GET /v2/schedules',
      'GET /v2/schedules/{id}',
      'GET /v2/suppressions',
      'GET /v2/team',
      'GET /v2/team/webhook/deliveries',
      'GET /v2/templates',
      'GET /v2/templates/{id}',
      'GET /v2/usage',
      'PATCH /v2/messages/{id}',
      'POST /v2',
      'POST /v2/media/check',
      'POST /v2/schedules',
      'POST /v2/schedules/{id}/pause',
      'POST /v2/schedules/{id}/resume',
      'POST /v2/team/keys/rotate',
      'POST /v2/team/webhook/rotate-secret',
      'POST /v2/team/webhook/test',
      'PUT /v2/suppressions/{number}',
      'PUT /v2/team/quiet-hours',
      'PUT /v2/team/webhook',
    ]);
  });

  it('routes /v2/suppressions to the suppressions Lambda', () => {
    const suppressions = functionOf(prod, 'suppressions');
    for (const route of [
      'GET /v2/suppressions',
      'PUT /v2/suppressions/{number}',
      'DELETE /v2/suppressions/{number}',
    ]) {
      expect(functionArnOf(route), route).toContain(suppressions);
    }
  });

  it('routes DELETE and PATCH /v2/messages/{id} to the manage Lambda', () => {
    const manage = functionOf(prod, 'manage');
    for (const route of [
      'DELETE /v2/messages/{id}',
      'PATCH /v2/messages/{id}',
      'DELETE /v2/messages/{id}/content',
    ]) {
      expect(functionArnOf(route), route).toContain(manage);
    }
    expect(functionArnOf('GET /v2/messages/{id}')).not.toContain(manage);
  });

  it('puts the x-api-key authorizer on every method but GET /v2/openapi.json (CUSTOM, except OPTIONS)', () => {
    const [authorizerId] = Object.keys(resources(stateless, 'AWS::ApiGateway::Authorizer'));
    const guarded = Object.entries(routes).filter(
      ([route]) =>
        route !== 'GET /v2/openapi.json' && !route.startsWith('GET /console') && !route.startsWith('OPTIONS'),
    );
    expect(guarded.map(([route]) => route)).toEqual(
      expect.arrayContaining([
        'DELETE /v2/messages/{id}',
        'PATCH /v2/messages/{id}',
        'POST /v2',
        'POST /v2/schedules',
        'DELETE /v2/schedules/{id}',
        'GET /v2/team',
        'POST /v2/team/keys/rotate',
        'GET /v2/usage',
      ]),
    );
    for (const [route, method] of guarded) {
      expect(method, route).toMatchObject({
        AuthorizationType: 'CUSTOM',
        AuthorizerId: { Ref: authorizerId },
      });
    }
  });

  it('serves GET /v2/openapi.json without an authorizer (the document needs no team)', () => {
    const method = routes['GET /v2/openapi.json'] as Json;
    expect(method.AuthorizationType).toBe('NONE');
    expect(method.AuthorizerId).toBeUndefined();
    expect(functionArnOf('GET /v2/openapi.json')).toContain(functionOf(prod, 'query'));
  });

  it('authorizes on the x-api-key header with a cache of at most 60 s', () => {
    stateless.hasResourceProperties('AWS::ApiGateway::Authorizer', {
      Type: 'REQUEST',
      IdentitySource: 'method.request.header.x-api-key',
      AuthorizerResultTtlInSeconds: prod.config.authCacheSeconds,
    });
    expect(prod.config.authCacheSeconds).toBeLessThanOrEqual(60);
  });

  it('answers refused keys with Sinch-shaped E104 bodies: 401 unknown key, 403 revoked team', () => {
    for (const [type, status] of [
      ['UNAUTHORIZED', '401'],
      ['ACCESS_DENIED', '403'],
    ]) {
      const response = Object.values(resources(stateless, 'AWS::ApiGateway::GatewayResponse')).find(
        (r) => props(r).ResponseType === type,
      );
      expect(response, type).toBeDefined();
      expect(props(response as Json).StatusCode).toBe(status);
      const body = JSON.parse(
        (props(response as Json).ResponseTemplates as Json)['application/json'] as string,
      ) as Json;
      expect(body).toMatchObject({ status: 'failure', 'error-code': 'E104' });
      expect(typeof body['error-info']).toBe('string');
    }
  });

  it('refuses bodies above the configured size with a WAF rule answering 413 GW-BODY-TOO-LARGE', () => {
    stateless.hasResourceProperties('AWS::WAFv2::WebACL', {
      Name: 'mms-gateway-prod-ingest-waf',
      DefaultAction: { Allow: {} },
      Rules: Match.arrayWith([
        Match.objectLike({
          Name: 'body-size-limit',
          Statement: {
            SizeConstraintStatement: {
              FieldToMatch: { Body: { OversizeHandling: 'MATCH' } },
              ComparisonOperator: 'GT',
              Size: prod.config.ingestMaxBodyBytes,
            },
          },
          Action: {
            Block: { CustomResponse: { ResponseCode: 413, CustomResponseBodyKey: 'body-too-large' } },
          },
        }),
      ]),
      AssociationConfig: { RequestBody: { API_GATEWAY: { DefaultSizeInspectionLimit: 'KB_64' } } },
    });
    const acl = Object.values(resources(stateless, 'AWS::WAFv2::WebACL')).find(
      (a) => props(a).Name === 'mms-gateway-prod-ingest-waf',
    ) as Json;
    const content = ((props(acl).CustomResponseBodies as Json)['body-too-large'] as Json).Content as string;
    expect(JSON.parse(content)).toMatchObject({ 'error-code': errorBody('GW-BODY-TOO-LARGE')['error-code'] });
  });
});

describe('postback API', () => {
  const acl = Object.entries(resources(stateless, 'AWS::WAFv2::WebACL')).find(
    ([, a]) => props(a).Name === 'mms-gateway-prod-postbacks-waf',
  );
  const [aclId, aclResource] = acl ?? ['', {}];

  it('blocks everything by default', () => {
    expect(props(aclResource).DefaultAction).toEqual({ Block: {} });
  });

  it('allows the configured Sinch source ranges, from IP sets built from the config', () => {
    const sets = Object.values(resources(stateless, 'AWS::WAFv2::IPSet'))
      .map(props)
      .filter((s) => String(s.Name).startsWith('mms-gateway-prod-postbacks'));
    const addresses = sets.flatMap((s) => s.Addresses as string[]);
    expect(addresses.sort()).toEqual([...prod.config.postbackSourceCidrs].sort());
    expect(sets.map((s) => s.IPAddressVersion).sort()).toEqual(['IPV4', 'IPV6']);
    const rules = props(aclResource).Rules as Json[];
    const allow = rules.find((r) => text(r.Action) === JSON.stringify({ Allow: {} }));
    expect(text(allow?.Statement)).toContain('IPSetReferenceStatement');
  });

  it('rate-limits each source address before allowing it', () => {
    const rules = props(aclResource).Rules as Json[];
    const rate = rules.find((r) => text(r.Statement).includes('RateBasedStatement'));
    const allow = rules.find((r) => text(r.Action).includes('Allow'));
    expect(rate?.Action).toEqual({ Block: {} });
    expect((rate?.Priority as number) < (allow?.Priority as number)).toBe(true);
  });

  it('associates the web ACL with the postback stage, and the ingest ACL with the ingest stage', () => {
    const associations = Object.values(resources(stateless, 'AWS::WAFv2::WebACLAssociation')).map(props);
    expect(associations).toHaveLength(2);
    expect(associations.some((a) => text(a.WebACLArn).includes(aclId))).toBe(true);
    const stages = Object.keys(resources(stateless, 'AWS::ApiGateway::Stage'));
    for (const association of associations) {
      expect(stages.some((stage) => text(association.ResourceArn).includes(stage))).toBe(true);
    }
  });

  it('also limits the API to the Sinch ranges with a resource policy', () => {
    stateless.hasResourceProperties('AWS::ApiGateway::RestApi', {
      Name: 'mms-gateway-prod-postbacks',
      Policy: {
        Statement: [
          {
            Effect: 'Allow',
            Action: 'execute-api:Invoke',
            Condition: { IpAddress: { 'aws:SourceIp': prod.config.postbackSourceCidrs } },
          },
        ],
      },
    });
  });

  it('exposes only POST /postbacks/mms, without an authorizer', () => {
    const apis = resources(stateless, 'AWS::ApiGateway::RestApi');
    const postbackApiId = Object.keys(apis).find(
      (id) => props(apis[id] as Json).Name === 'mms-gateway-prod-postbacks',
    );
    const methods = Object.values(resources(stateless, 'AWS::ApiGateway::Method'))
      .map(props)
      .filter((m) => (m.RestApiId as { Ref: string }).Ref === postbackApiId);
    expect(methods.map((m) => [m.HttpMethod, m.AuthorizationType])).toEqual([['POST', 'NONE']]);
  });

  it('gives the postback Lambda the token secret by name only; the token is in no template or environment', () => {
    const postback = props(functions[functionOf(prod, 'postback')] as Json);
    const variables = (postback.Environment as { Variables: Json }).Variables;
    expect(variables[ENV.postbackTokenSecretId]).toBe(prod.config.postbackSharedSecretName);
    for (const template of [stateless, prod.stateful]) {
      expect(text(template.toJSON())).not.toMatch(/resolve:secretsmanager/);
    }
    const reads = statementsOf('postback').filter((s) =>
      actionsOf(s).includes('secretsmanager:GetSecretValue'),
    );
    expect(reads).toHaveLength(1);
    expect(text(resourcesOf(reads[0]!))).toContain(`secret:${prod.config.postbackSharedSecretName}-??????`);
  });
});

describe('both APIs', () => {
  it('accept only TLS 1.2 and 1.3 on their regional endpoints', () => {
    const apis = Object.values(resources(stateless, 'AWS::ApiGateway::RestApi')).map(props);
    expect(apis).toHaveLength(2);
    for (const api of apis) {
      expect(api).toMatchObject({
        EndpointConfiguration: { Types: ['REGIONAL'] },
        SecurityPolicy: API_SECURITY_POLICY,
        EndpointAccessMode: API_ENDPOINT_ACCESS_MODE,
      });
    }
  });

  it('write JSON access logs without the API key, headers, query strings or bodies', () => {
    const stages = Object.values(resources(stateless, 'AWS::ApiGateway::Stage')).map(props);
    expect(stages).toHaveLength(2);
    for (const stage of stages) {
      const format = (stage.AccessLogSetting as { Format: string }).Format;
      expect(() => JSON.parse(format) as unknown).not.toThrow();
      expect(format).not.toMatch(/apiKey|x-api-key|header|querystring|requestOverride|body/i);
      expect(stage).toMatchObject({ TracingEnabled: true });
      expect(stage.MethodSettings).toEqual([
        expect.objectContaining({ LoggingLevel: 'ERROR', DataTraceEnabled: false }),
      ]);
    }
  });

  it('throttle each stage as configured', () => {
    const stages = Object.values(resources(stateless, 'AWS::ApiGateway::Stage')).map(props);
    const limits = stages.map((s) => {
      const [settings] = s.MethodSettings as Json[];
      return [settings?.ThrottlingRateLimit, settings?.ThrottlingBurstLimit];
    });
    expect(limits).toEqual(
      expect.arrayContaining([
        [prod.config.ingestRateLimit, prod.config.ingestBurstLimit],
        [prod.config.postbackRateLimit, prod.config.postbackBurstLimit],
      ]),
    );
  });
});
