/**
 * Resource types that cost nothing while the environment is idle, and why. A type of the
 * templates that is neither priced (see `estimate.ts`) nor listed here is reported as not
 * estimated, so a new kind of resource cannot slip into the total as a silent 0.
 */
export const FREE_WHILE_IDLE: Readonly<Record<string, string>> = {
  'AWS::CDK::Metadata': 'CDK metadata, nothing is deployed',
  'AWS::IAM::Role': 'IAM has no charge',
  'AWS::IAM::Policy': 'IAM has no charge',
  'AWS::IAM::ManagedPolicy': 'IAM has no charge',
  'AWS::KMS::Alias': 'no charge (the key is priced)',
  'AWS::S3::BucketPolicy': 'no charge (the bucket is priced)',
  'AWS::SNS::TopicPolicy': 'no charge (the topic is priced)',
  'AWS::SNS::Subscription': 'deliveries are billed per use',
  'AWS::Events::Rule': 'no charge for rules on AWS service events and schedules',
  'AWS::StepFunctions::StateMachine':
    "billed per state transition while it runs; the jobs a run starts (and a data pipeline run's transitions) are priced per run",
  'AWS::SageMaker::ModelPackageGroup': 'no charge (artifacts are stored in S3)',
  'AWS::SageMaker::Model': 'no charge (the endpoint config is priced)',
  'AWS::SageMaker::Endpoint': 'no charge of its own (its endpoint config is priced)',
  'AWS::ApplicationAutoScaling::ScalingPolicy': 'no charge',
  'AWS::EC2::VPC': 'no charge',
  'AWS::EC2::Subnet': 'no charge',
  'AWS::EC2::RouteTable': 'no charge',
  'AWS::EC2::SubnetRouteTableAssociation': 'no charge',
  'AWS::EC2::SecurityGroup': 'no charge',
  'AWS::EC2::SecurityGroupIngress': 'no charge',
  'AWS::EC2::SecurityGroupEgress': 'no charge',
  'AWS::EC2::FlowLog': 'billed per GB of flow logs delivered: none while no traffic flows',
  'AWS::Glue::Job': 'billed per DPU-second while a run runs; priced per data pipeline run',
  'AWS::Glue::SecurityConfiguration': 'no charge (the keys it names are priced)',
  'AWS::CodeBuild::Project': 'billed per build minute while a build runs; priced per data pipeline run',
  'AWS::Athena::WorkGroup': 'billed per TB a query scans; priced per query',
  'AWS::CodeArtifact::Repository':
    "no charge of its own: its packages are stored, and billed, once per domain (the domain's line); requests are priced per build",
};
