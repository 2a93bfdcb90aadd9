import { describe, expect, it } from 'vitest';
import { configWith, props, resources, synth } from './support';

const customDomain = {
  domainName: 'mms.example.com',
  certificateArn: 'arn:aws:acm:eu-west-1:111111111111:certificate/0a1b2c3d-4e5f-6789-abcd-ef0123456789',
};

describe('custom domain (config customDomain)', () => {
  const { stateless } = synth(configWith('dev', { customDomain }));

  it('makes a regional TLS 1.2 custom domain with the certificate, mapped to the ingest API stage', () => {
    const domains = Object.values(resources(stateless, 'AWS::ApiGateway::DomainName')).map(props);
    expect(domains).toEqual([
      expect.objectContaining({
        DomainName: 'mms.example.com',
        RegionalCertificateArn: customDomain.certificateArn,
        EndpointConfiguration: { Types: ['REGIONAL'] },
        SecurityPolicy: 'TLS_1_2',
      }),
    ]);
    const mappings = Object.values(resources(stateless, 'AWS::ApiGateway::BasePathMapping')).map(props);
    expect(mappings).toHaveLength(1);
    const ingestApi = Object.entries(resources(stateless, 'AWS::ApiGateway::RestApi')).find(([, r]) =>
      String(props(r).Name).endsWith('-ingest'),
    )?.[0];
    expect(mappings[0]?.RestApiId).toEqual({ Ref: ingestApi });
    expect(mappings[0]?.Stage).toBeDefined();
    expect(mappings[0]?.BasePath).toBeUndefined();
    const outputs = stateless.findOutputs('*');
    expect(Object.keys(outputs)).toEqual(expect.arrayContaining(['CustomDomainTarget', 'CustomDomainUrl']));
  });

  it('makes none without the setting, and refuses a bad name or ARN', () => {
    const plain = synth(configWith('dev')).stateless;
    expect(Object.keys(resources(plain, 'AWS::ApiGateway::DomainName'))).toHaveLength(0);
    expect(() => configWith('dev', { customDomain: { ...customDomain, domainName: 'https://x' } })).toThrow(
      /domainName/,
    );
    expect(() => configWith('dev', { customDomain: { ...customDomain, certificateArn: 'cert-1' } })).toThrow(
      /certificateArn/,
    );
  });
});
