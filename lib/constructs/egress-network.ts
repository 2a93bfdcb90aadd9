import type { RemovalPolicy } from 'aws-cdk-lib';
import {
  FlowLogDestination,
  FlowLogTrafficType,
  NatProvider,
  SubnetType,
  Vpc,
  type ISubnet,
} from 'aws-cdk-lib/aws-ec2';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

export interface EgressNetworkProps {
  /** Availability zones of the VPC (given explicitly, so synth needs no AWS lookup). */
  readonly availabilityZones: readonly string[];
  /** Elastic IP allocation ids, one per NAT gateway (kept in the stateful stack so the addresses survive). */
  readonly eipAllocationIds: readonly string[];
  readonly logRetentionDays: number;
  readonly removalPolicy: RemovalPolicy;
}

/**
 * Optional fixed egress IP for the calls to Sinch: a VPC whose private subnets reach the internet only through
 * NAT gateways with the given Elastic IPs. Only the send Lambda runs in it. Costs about USD 32 a month per NAT
 * gateway plus data processing (docs/deploy.md). VPC flow logs go to CloudWatch Logs.
 */
export class EgressNetwork extends Construct {
  readonly vpc: Vpc;
  /** The private subnets the send Lambda runs in. */
  readonly subnets: readonly ISubnet[];

  constructor(scope: Construct, id: string, props: EgressNetworkProps) {
    super(scope, id);
    const flowLogs = new LogGroup(this, 'FlowLogs', {
      retention: props.logRetentionDays,
      removalPolicy: props.removalPolicy,
    });
    this.vpc = new Vpc(this, 'Vpc', {
      availabilityZones: [...props.availabilityZones],
      natGateways: props.eipAllocationIds.length,
      natGatewayProvider: NatProvider.gateway({ eipAllocationIds: [...props.eipAllocationIds] }),
      subnetConfiguration: [
        { name: 'public', subnetType: SubnetType.PUBLIC, cidrMask: 24 },
        { name: 'send', subnetType: SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 24 },
      ],
      flowLogs: {
        all: {
          destination: FlowLogDestination.toCloudWatchLogs(flowLogs),
          trafficType: FlowLogTrafficType.ALL,
        },
      },
    });
    this.subnets = this.vpc.selectSubnets({ subnetType: SubnetType.PRIVATE_WITH_EGRESS }).subnets;
  }
}
