import { Validations } from 'aws-cdk-lib';
import {
  AuthorizationType,
  EndpointType,
  LambdaIntegration,
  RestApi,
  type CfnAccount,
} from 'aws-cdk-lib/aws-apigateway';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { CfnIPSet, CfnWebACL } from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import {
  associateWebAcl,
  bodySizeRule,
  bodyTooLargeResponse,
  invokeOnlyIf,
  requireModernTls,
  stageOptions,
  wafVisibility,
  type StageSettings,
} from './rest-api-support';

/** Largest postback body the WAF lets through (16 KB; WAF inspects the first 16 KB of an API Gateway body). */
export const POSTBACK_WAF_MAX_BODY_BYTES = 16 * 1024;

export interface PostbackApiProps {
  /** Name of the REST API (and prefix of its WAF names). */
  readonly apiName: string;
  readonly stage: StageSettings;
  /** POST /postbacks/mms */
  readonly postback: IFunction;
  /** Sinch's postback source ranges (IPv4 and/or IPv6 CIDRs): the only callers let through. */
  readonly sourceCidrs: readonly string[];
  /** Requests per 5 minutes one source address may make before WAF blocks it. */
  readonly rateLimitPer5Min: number;
  /** API Gateway's account-level logging settings, which must exist before this stage logs. */
  readonly accountLogging?: CfnAccount;
}

/**
 * The endpoint Sinch posts delivery reports to: a second regional REST API with its own stage and Lambda, so
 * nothing of the team-facing API is reachable from Sinch's side and vice versa. Its WAF web ACL blocks by
 * default, allows only the configured source ranges and rate-limits each of them; an API resource policy with
 * the same ranges is a second lock in case the web ACL is ever detached. POST /postbacks/mms only.
 */
export class PostbackApi extends Construct {
  readonly api: RestApi;
  readonly webAcl: CfnWebACL;
  /** The URL to give Sinch as the postback URL. */
  readonly postbackUrl: string;

  constructor(scope: Construct, id: string, props: PostbackApiProps) {
    super(scope, id);
    const cidrs = [...props.sourceCidrs];

    this.api = new RestApi(this, 'Api', {
      restApiName: props.apiName,
      description: 'MMS gateway: Sinch postbacks (WAF IP allowlist)',
      endpointTypes: [EndpointType.REGIONAL],
      deployOptions: stageOptions(this, props.stage),
      cloudWatchRole: false,
      policy: invokeOnlyIf({ IpAddress: { 'aws:SourceIp': cidrs } }),
    });
    requireModernTls(this.api);
    // A resource policy takes effect with a new deployment: redeploy whenever the ranges change.
    this.api.latestDeployment?.addToLogicalId({ sourceCidrs: cidrs });
    if (props.accountLogging) this.api.deploymentStage.node.addDependency(props.accountLogging);

    const mms = this.api.root.addResource('postbacks').addResource('mms');
    mms.addMethod('POST', new LambdaIntegration(props.postback, { allowTestInvoke: false }), {
      authorizationType: AuthorizationType.NONE,
    });
    this.postbackUrl = this.api.urlForPath('/postbacks/mms');

    const ipv4 = cidrs.filter((c) => !c.includes(':'));
    const ipv6 = cidrs.filter((c) => c.includes(':'));
    const ipSets = [
      ...(ipv4.length > 0 ? [this.ipSet('SinchIpv4', `${props.apiName}-sinch-ipv4`, 'IPV4', ipv4)] : []),
      ...(ipv6.length > 0 ? [this.ipSet('SinchIpv6', `${props.apiName}-sinch-ipv6`, 'IPV6', ipv6)] : []),
    ];
    const fromSinch: CfnWebACL.StatementProperty[] = ipSets.map((set) => ({
      ipSetReferenceStatement: { arn: set.attrArn },
    }));

    this.webAcl = new CfnWebACL(this, 'WebAcl', {
      name: `${props.apiName}-waf`,
      description:
        'Postback API - only Sinch postback source addresses, rate-limited, everything else blocked',
      scope: 'REGIONAL',
      defaultAction: { block: {} },
      visibilityConfig: wafVisibility(`${props.apiName}-waf`),
      customResponseBodies: bodyTooLargeResponse('Postback', POSTBACK_WAF_MAX_BODY_BYTES),
      rules: [
        // Sinch's delivery reports are a few hundred bytes; refuse big bodies before Lambda takes up to 6 MB.
        bodySizeRule(0, `${props.apiName}-body-size`, POSTBACK_WAF_MAX_BODY_BYTES),
        {
          name: 'rate-limit-per-ip',
          priority: 1,
          statement: { rateBasedStatement: { limit: props.rateLimitPer5Min, aggregateKeyType: 'IP' } },
          action: { block: {} },
          visibilityConfig: wafVisibility(`${props.apiName}-rate-limit`),
        },
        {
          name: 'allow-sinch-sources',
          priority: 2,
          statement: fromSinch.length === 1 ? fromSinch[0]! : { orStatement: { statements: fromSinch } },
          action: { allow: {} },
          visibilityConfig: wafVisibility(`${props.apiName}-allow-sinch`),
        },
      ],
    });
    associateWebAcl(this, this.api, this.webAcl);

    Validations.of(this.api).acknowledge({
      id: 'AwsSolutions-APIG2',
      reason:
        'Postbacks are stored raw first (whatever their shape) and answered within Sinch’s 10 s deadline; the handler answers 400 to a body that is not a JSON object. Callers are limited to Sinch by WAF and the resource policy.',
    });
    Validations.of(this.api).acknowledge({
      id: 'AwsSolutions-APIG4',
      reason:
        'Sinch cannot sign requests or send an API key: the postback method is protected by the WAF IP allowlist (default block), an aws:SourceIp resource policy and the optional shared token in the postback URL.',
    });
    Validations.of(this.api).acknowledge({
      id: 'AwsSolutions-COG4',
      reason:
        'The caller is Sinch, not a user: no Cognito; access is limited by source address (WAF + resource policy).',
    });
  }

  private ipSet(id: string, name: string, version: 'IPV4' | 'IPV6', addresses: string[]): CfnIPSet {
    return new CfnIPSet(this, id, {
      name,
      description: 'Sinch postback source addresses, from config postbackSourceCidrs',
      scope: 'REGIONAL',
      ipAddressVersion: version,
      addresses,
    });
  }
}
