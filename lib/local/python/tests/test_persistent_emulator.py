"""What the emulator holds survives its restart: saved by one process, loaded by the next.

Each test makes state through boto3 (as the CDK CLI and the local environment do), saves it,
clears moto's backends as a new process would start them, loads it, and reads it back through the
same API.
"""

import os
import sys

import boto3
import pytest
from moto import mock_aws
from moto.core.base_backend import BackendDict

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

import persistent_emulator  # noqa: E402

REGION = "us-east-1"


def restart(path):
    """Saves, forgets everything as a new emulator process starts, and loads."""
    persistent_emulator.save(path)
    for backends in list(BackendDict._instances):
        for account in backends.values():
            account.reset()
    persistent_emulator.load(path)


@pytest.fixture
def state_file(tmp_path):
    with mock_aws():
        yield str(tmp_path / "emulator-state.pickle")


def test_s3_objects(state_file):
    s3 = boto3.client("s3", region_name=REGION)
    s3.create_bucket(Bucket="raw-data")
    s3.put_object(Bucket="raw-data", Key="churn/v1/data.csv", Body=b"a,target\n1,0\n")
    restart(state_file)
    body = s3.get_object(Bucket="raw-data", Key="churn/v1/data.csv")["Body"].read()
    assert body == b"a,target\n1,0\n"


def test_model_packages_go_on_from_their_version(state_file):
    sagemaker = boto3.client("sagemaker", region_name=REGION)
    sagemaker.create_model_package_group(ModelPackageGroupName="group")
    package = {
        "ModelPackageGroupName": "group",
        "InferenceSpecification": {
            "Containers": [{"Image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/serving:1"}],
            "SupportedContentTypes": ["text/csv"],
            "SupportedResponseMIMETypes": ["text/csv"],
        },
    }
    sagemaker.create_model_package(**package)
    restart(state_file)
    listed = sagemaker.list_model_packages(ModelPackageGroupName="group")["ModelPackageSummaryList"]
    assert [p["ModelPackageVersion"] for p in listed] == [1]
    assert sagemaker.create_model_package(**package)["ModelPackageArn"].endswith("/2")


def test_kms_keys_still_sign_and_verify(state_file):
    kms = boto3.client("kms", region_name=REGION)
    key = kms.create_key(KeySpec="RSA_2048", KeyUsage="SIGN_VERIFY")["KeyMetadata"]["KeyId"]
    signed = kms.sign(KeyId=key, Message=b"m", SigningAlgorithm="RSASSA_PSS_SHA_256")["Signature"]
    restart(state_file)
    verified = kms.verify(KeyId=key, Message=b"m", Signature=signed, SigningAlgorithm="RSASSA_PSS_SHA_256")
    assert verified["SignatureValid"]


def test_ssm_parameters_and_their_tags(state_file):
    ssm = boto3.client("ssm", region_name=REGION)
    ssm.put_parameter(Name="/mlenv/local/x", Value="v", Type="String", Tags=[{"Key": "k", "Value": "t"}])
    restart(state_file)
    assert ssm.get_parameter(Name="/mlenv/local/x")["Parameter"]["Value"] == "v"
    tags = ssm.list_tags_for_resource(ResourceType="Parameter", ResourceId="/mlenv/local/x")["TagList"]
    assert tags == [{"Key": "k", "Value": "t"}]


def test_an_unreadable_state_is_set_aside_and_the_emulator_starts_empty(state_file, capsys):
    with open(state_file, "wb") as f:
        f.write(b"not a pickle")
    persistent_emulator.load(state_file)
    assert not os.path.exists(state_file)
    with open(f"{state_file}.unreadable", "rb") as f:
        assert f.read() == b"not a pickle"
    assert "could not restore" in capsys.readouterr().out


def test_the_saved_state_is_readable_by_this_user_only(state_file):
    persistent_emulator.save(state_file)
    assert os.stat(state_file).st_mode & 0o077 == 0


@pytest.mark.parametrize("mode", [0o664, 0o646])
def test_a_state_others_could_write_is_never_unpickled(state_file, mode, tmp_path):
    ran = tmp_path / "ran"
    with open(state_file, "wb") as f:
        f.write(b"cos\nsystem\n(S'touch %s'\ntR." % str(ran).encode())  # a pickle that runs a command
    os.chmod(state_file, mode)
    outcome = persistent_emulator.load(state_file)
    assert outcome["outcome"] == "empty"
    assert "writable by others" in outcome["reason"]
    assert not ran.exists()
    assert os.path.exists(state_file)  # not moved either: it may not be ours to move


def test_a_state_in_a_directory_others_can_write_is_never_unpickled(tmp_path):
    shared = tmp_path / "shared"
    shared.mkdir()
    os.chmod(shared, 0o777)
    path = str(shared / "emulator-state.pickle")
    with mock_aws():
        persistent_emulator.save(path)
        outcome = persistent_emulator.load(path)
    assert outcome["outcome"] == "empty"
    assert "its directory is writable by others" in outcome["reason"]


def test_a_symlinked_state_is_never_unpickled(state_file, tmp_path):
    target = tmp_path / "elsewhere.pickle"
    persistent_emulator.save(str(target))
    os.symlink(target, state_file)
    outcome = persistent_emulator.load(state_file)
    assert outcome["outcome"] == "empty"
    assert "symbolic link" in outcome["reason"]


def test_a_save_never_writes_through_a_planted_link(state_file, tmp_path):
    victim = tmp_path / "victim"
    victim.write_text("untouched")
    os.symlink(victim, f"{state_file}.{os.getpid()}.tmp")
    with pytest.raises(FileExistsError):
        persistent_emulator.save(state_file)
    assert victim.read_text() == "untouched"
    assert not os.path.exists(state_file)
