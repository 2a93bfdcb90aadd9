import { CfnOutput } from 'aws-cdk-lib';
import {
  BasePathMapping,
  DomainName,
  EndpointType,
  SecurityPolicy,
  type RestApi,
} from 'aws-cdk-lib/aws-apigateway';
import { Certificate } from 'aws-cdk-lib/aws-certificatemanager';
import { Construct } from 'constructs';

export interface CustomDomainProps {
  /** e.g. `mms.example.com`; point a CNAME (or Route 53 alias) at the `CustomDomainTarget` output. */
  readonly domainName: string;
  /** An ACM certificate for the name, in the stack's region (regional endpoint). */
  readonly certificateArn: string;
  readonly api: RestApi;
}

/**
 * A stable URL for teams: an API Gateway regional custom domain (TLS 1.2) with a base path mapping of the whole
 * ingest API's stage, so `https://<domainName>/v2/` keeps working when the API is re-created (its
 * execute-api id and stage prefix change; the mapping follows it). DNS stays with the operator.
 */
export class CustomDomain extends Construct {
  readonly domain: DomainName;

  constructor(scope: Construct, id: string, props: CustomDomainProps) {
    super(scope, id);
    this.domain = new DomainName(this, 'Domain', {
      domainName: props.domainName,
      certificate: Certificate.fromCertificateArn(this, 'Certificate', props.certificateArn),
      endpointType: EndpointType.REGIONAL,
      securityPolicy: SecurityPolicy.TLS_1_2,
    });
    // No base path: the domain's root is the stage's root, so /v2/... is the same path as on execute-api.
    new BasePathMapping(this, 'Mapping', {
      domainName: this.domain,
      restApi: props.api,
      stage: props.api.deploymentStage,
    });
    new CfnOutput(scope, 'CustomDomainTarget', {
      value: this.domain.domainNameAliasDomainName,
      description: `DNS target of ${props.domainName} (CNAME or Route 53 alias)`,
    });
    new CfnOutput(scope, 'CustomDomainUrl', {
      value: `https://${props.domainName}/v2/`,
      description: 'Base URL for teams that survives a re-created API',
    });
  }
}
