"""The state `mlenv local down` keeps, through the real emulator process: the launcher run by
persistent_emulator.py as lib/local/emulator.ts starts it, stopped with SIGTERM as `down` stops
it, started again as `up` starts it; every call through boto3, as the CDK CLI and the local
environment make them.

- A model served again after an update that unserved it (``local up --assembly`` deploys an
  assembly without the pins, ``local serve`` deploys them again) has its endpoint: CloudFormation
  creates a resource an update adds, and deletes one an update removes
  (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-cfn-updating-stacks.html).
- The status file says what became of the state, for `up` and `down` to say it.
"""

import json
import os
import signal
import subprocess
import sys
import time

import boto3
import pytest
from botocore.config import Config

HERE = os.path.dirname(os.path.abspath(__file__))
LOCAL_DIR = os.path.dirname(os.path.dirname(HERE))
LAUNCHER = os.path.join(LOCAL_DIR, "emulator", "moto_server.py")
PERSISTENT = os.path.join(LOCAL_DIR, "python", "persistent_emulator.py")
REGION = "us-east-1"
ACCOUNT = "123456789012"
# The credentials the local environment gives its clients (lib/local/emulator-env.ts): any will do.
CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing", "aws_session_token": "testing"}


class Emulator:
    """The persistent emulator in a state directory, with the file names lib/local/emulator.ts uses."""

    def __init__(self, state_dir):
        self.state_dir = state_dir
        self.state_file = state_dir / "emulator-state.pickle"
        self.status_file = state_dir / "emulator-state.json"
        self.process = None
        self.url = None

    def start(self):
        port_file = self.state_dir / "emulator.port"
        if port_file.exists():
            port_file.unlink()
        log = open(self.state_dir / "emulator.log", "a")
        self.process = subprocess.Popen(
            [sys.executable, PERSISTENT, "--state-file", str(self.state_file), "--status-file", str(self.status_file),
             LAUNCHER, "--port-file", str(port_file)],
            cwd=str(self.state_dir), stdout=log, stderr=subprocess.STDOUT,
        )
        log.close()
        deadline = time.time() + 60
        while not port_file.exists():
            if self.process.poll() is not None or time.time() > deadline:
                self.process.kill()
                raise AssertionError((self.state_dir / "emulator.log").read_text())
            time.sleep(0.1)
        self.url = "http://127.0.0.1:%s" % port_file.read_text()
        return self

    def stop(self, *signals):
        for sig in signals or (signal.SIGTERM,):
            self.process.send_signal(sig)
        self.process.wait(timeout=60)

    def status(self):
        return json.loads(self.status_file.read_text())

    def client(self, service):
        return boto3.client(service, endpoint_url=self.url, region_name=REGION,
                            config=Config(retries={"max_attempts": 1}), **CREDENTIALS)


@pytest.fixture
def emulator(tmp_path):
    started = Emulator(tmp_path)
    yield started
    if started.process and started.process.poll() is None:
        started.process.kill()
        started.process.wait()


def package_arn(version):
    return "arn:aws:sagemaker:%s:%s:model-package/mlenv-local-model/%d" % (REGION, ACCOUNT, version)


def model_stack(served_version=None):
    """A model stack as the platform's is shaped: the endpoint, its config and model exist only
    while a package is served (pinned). The properties are those AWS documents for each type."""
    resources = {
        "EndpointRole": {
            "Type": "AWS::IAM::Role",
            "Properties": {"AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Principal": {"Service": "sagemaker.amazonaws.com"}, "Action": "sts:AssumeRole"}]}},
        },
    }
    if served_version is not None:
        resources.update({
            "Model": {"Type": "AWS::SageMaker::Model", "Properties": {
                "ExecutionRoleArn": {"Fn::GetAtt": ["EndpointRole", "Arn"]},
                "Containers": [{"ModelPackageName": package_arn(served_version)}]}},
            "EndpointConfig": {"Type": "AWS::SageMaker::EndpointConfig", "Properties": {
                "ProductionVariants": [{"ModelName": {"Fn::GetAtt": ["Model", "ModelName"]}, "VariantName": "AllTraffic",
                                        "InitialInstanceCount": 1, "InstanceType": "ml.m5.large"}]}},
            "Endpoint": {"Type": "AWS::SageMaker::Endpoint", "Properties": {
                "EndpointName": "mlenv-local-model",
                "EndpointConfigName": {"Fn::GetAtt": ["EndpointConfig", "EndpointConfigName"]}}},
        })
    return json.dumps({"Resources": resources})


def deploy(emulator, template, create=False):
    cloudformation = emulator.client("cloudformation")
    (cloudformation.create_stack if create else cloudformation.update_stack)(
        StackName="LocalModel", TemplateBody=template, Capabilities=["CAPABILITY_IAM"])
    return cloudformation.describe_stacks(StackName="LocalModel")["Stacks"][0]["StackStatus"]


def served_package(emulator):
    """The package the endpoint serves, as `local serve` reads it: endpoint, config, model."""
    sagemaker = emulator.client("sagemaker")
    endpoint = sagemaker.describe_endpoint(EndpointName="mlenv-local-model")
    config = sagemaker.describe_endpoint_config(EndpointConfigName=endpoint["EndpointConfigName"])
    model = sagemaker.describe_model(ModelName=config["ProductionVariants"][0]["ModelName"])
    return model["Containers"][0]["ModelPackageName"]


@pytest.mark.parametrize("restarted", [False, True], ids=["one emulator", "across down and up"])
def test_a_model_served_again_after_an_update_unserved_it_has_its_endpoint(emulator, restarted):
    emulator.start()
    assert deploy(emulator, model_stack(served_version=1), create=True) == "CREATE_COMPLETE"
    if restarted:
        emulator.stop()
        emulator.start()
    assert deploy(emulator, model_stack()) == "UPDATE_COMPLETE"  # unserved
    assert emulator.client("sagemaker").list_endpoints()["Endpoints"] == []

    assert deploy(emulator, model_stack(served_version=2)) == "UPDATE_COMPLETE"  # served again
    assert served_package(emulator) == package_arn(2)
    # And the next package after it updates that endpoint (AWS::SageMaker::Endpoint: no interruption).
    assert deploy(emulator, model_stack(served_version=3)) == "UPDATE_COMPLETE"
    assert served_package(emulator) == package_arn(3)


def test_the_status_says_what_was_restored_and_what_was_saved(emulator):
    emulator.start()
    assert emulator.status() == {
        "pid": emulator.process.pid, "stateFile": str(emulator.state_file),
        "restore": {"outcome": "empty", "reason": "no state was kept"},
    }
    s3 = emulator.client("s3")
    s3.create_bucket(Bucket="raw")
    for key in ("model/v1/data.csv", "model/v2/data.csv"):
        s3.put_object(Bucket="raw", Key=key, Body=b"a,target\n1,0\n")
    sagemaker = emulator.client("sagemaker")
    sagemaker.create_model_package_group(ModelPackageGroupName="mlenv-local-model")
    sagemaker.create_model_package(
        ModelPackageGroupName="mlenv-local-model",
        InferenceSpecification={"Containers": [{"Image": "%s.dkr.ecr.%s.amazonaws.com/serving:1" % (ACCOUNT, REGION)}],
                                "SupportedContentTypes": ["text/csv"], "SupportedResponseMIMETypes": ["text/csv"]},
    )
    emulator.stop()
    saved = emulator.status()["save"]
    assert saved["outcome"] == "saved"
    assert saved["contents"] == {"s3Objects": 2, "modelPackages": 1, "executions": 0}

    first = emulator.process.pid
    emulator.start()
    status = emulator.status()
    assert status["pid"] == emulator.process.pid != first
    assert status["restore"] == {"outcome": "restored", "savedAt": saved["at"], "contents": saved["contents"]}
    assert "save" not in status


def test_a_second_signal_does_not_cut_the_save_short(emulator):
    emulator.start()
    emulator.client("s3").create_bucket(Bucket="raw")
    emulator.stop(signal.SIGTERM, signal.SIGTERM, signal.SIGINT)  # a Ctrl-C on top of down's SIGTERM
    assert emulator.process.returncode == 0
    assert emulator.status()["save"]["outcome"] == "saved"


def test_an_unreadable_state_starts_empty_and_says_why(emulator):
    emulator.state_file.write_bytes(b"not a pickle")
    emulator.start()
    restore = emulator.status()["restore"]
    assert restore["outcome"] == "empty"
    assert "could not be read" in restore["reason"]
    assert restore["reason"].endswith("set aside as %s.unreadable" % emulator.state_file)
    assert (emulator.state_dir / "emulator-state.pickle.unreadable").read_bytes() == b"not a pickle"
