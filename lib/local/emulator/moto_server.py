"""Starts moto's server (the local AWS emulator) on 127.0.0.1, after correcting the bugs of
moto 5.2.5's CloudFormation support that the platform's templates hit.

- ``AWS::KMS::Key``: moto hands CloudFormation's ``Tags`` (``[{Key, Value}]``) to a tagger that
  expects ``TagKey``/``TagValue``; the KeyError is swallowed and the stack fails later with
  "Fn::GetAtt references undefined resource <key>".
- ``AWS::SSM::Parameter``: CloudFormation's ``Tags`` is a map; moto iterates it as a list of
  ``{Key, Value}`` (TypeError: HTTP 500).
- ``AWS::SageMaker::Model``: moto requires ``PrimaryContainer``; a model of ``Containers`` (the
  platform's models name their package there) fails with a swallowed KeyError ("Fn::GetAtt
  references undefined resource <model>"). It is passed as absent instead.
- ``AWS::SageMaker::Endpoint``: moto names the endpoint after the stack and logical id and
  ignores its ``EndpointName`` (the platform names each model's endpoint); the name given is used.
- EventBridge ``TestEventPattern`` is not implemented (an empty answer); it answers with moto's
  own matcher, the one its rules use, so the local environment can ask which rules an event
  (a drift check's result) matches.
- Stack updates modify only resources whose template text changed: a SageMaker model replaced
  for a new package gets a new name, but the endpoint config that refers to it is left naming
  the old one (and the endpoint its config). Resources of ``AWS::SageMaker::`` types that refer
  (``Ref``/``Fn::GetAtt``) to a modified resource are modified after it, as CloudFormation does
  when a value they use changes.
- SageMaker model packages and groups named by ARN are looked up in the caller's own account
  and region only; AWS answers an ARN of another account (which a promotion reads, as its
  registry's resource policy allows). An ARN of another account or region is answered from
  that account's and region's registry (moto does not evaluate the resource policy; the
  authorization check does).
- ``UpdateModelPackage`` replaces the package's ``CustomerMetadataProperties`` (its lineage) and
  approval description with what the request gives, None when it gives none; AWS adds the given
  properties to the package's and keeps what the request leaves out.
- Stack updates leave the stack's exports as they were at create: an output exported by the update
  (a model stack's endpoint, once the model is served) cannot be imported by another stack
  ("No export named ..."), and an export the update dropped is still listed. They are
  re-registered from the updated stack's outputs.
- Stack updates delete a resource the template no longer has but keep moto's object for it; an
  update that adds it back (a model served again after an update that unserved it, as
  ``local up --assembly`` deploys an assembly without the pins) gets that deleted object instead
  of a new resource: the endpoint is listed in the stack but does not exist ("Could not find
  endpoint ..." on the next update). A removed resource is forgotten, and an added one made anew.
- Stack updates: a parameter passed with ``UsePreviousValue`` that moto did not record (the CDK's
  ``BootstrapVersion``, left at its default on create) is a KeyError (HTTP 500); it is resolved
  as on create instead (its default).
- ``AWS::Glue::SecurityConfiguration``, ``AWS::Glue::Job``, ``AWS::Glue::Database``,
  ``AWS::Athena::WorkGroup`` and ``AWS::CodeBuild::Project`` (a data pipeline's) have no model:
  moto reports them created but creates nothing; a ``Ref`` to one is the string "None" (a policy's
  resource, a project's environment), and a ``Fn::GetAtt`` (a project's ``Arn``) fails the stack.
  They are created, updated and deleted through moto's own Glue, Athena and CodeBuild backends,
  with the properties those take, so the services' APIs answer for them as for the deployed ones.
- ``AWS::Logs::LogGroup``: moto reads the key as ``kmsKeyId`` (the API's name), so CloudFormation's
  ``KmsKeyId`` is dropped and the group reported unencrypted; it is passed under that name too.

- SageMaker Runtime's InvokeEndpoint answers 200 ``body`` for any endpoint and payload: it is
  answered by the stand-in serving the endpoint here (``runtime_api.py``), with SageMaker's headers
  and errors.

- What the local environment runs (executions of the deployed state machines, SageMaker jobs) is
  run on this machine, not by moto: the runner records each finished execution and job in moto's
  Step Functions and SageMaker backends through the launcher's own routes (``local_records.py``),
  so ListExecutions, DescribeExecution, GetExecutionHistory and DescribeTrainingJob answer with
  what really ran.

Both are corrected by converting the tags to the shape moto's backends expect; the tags are kept
(the Local templates must carry them, for parity). Usage:

    python moto_server.py --port-file FILE [--port N] [--state-dir DIR]

Port 0 (the default) takes a free port; the port bound is written to FILE (atomically) once the
server accepts connections. The state directory (default: the working directory, where
lib/local/emulator.ts starts the launcher) holds the serving records InvokeEndpoint is routed by.
Stops on SIGTERM/SIGINT.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import signal
import sys
from typing import Any

import moto
from moto.athena.models import AthenaBackend, athena_backends
from moto.cloudformation.exceptions import UnformattedGetAttTemplateException, ValidationError
from moto.cloudformation.models import CloudFormationBackend
from moto.cloudformation.parsing import ResourceMap, get_model_list, get_model_map, get_name_type_map
from moto.codebuild.models import CodeBuildBackend, codebuild_backends
from moto.core.common_models import CloudFormationModel
from moto.core.utils import utcnow
from moto.events.models import EventPattern
from moto.events.responses import EventsHandler
from moto.glue.models import GlueBackend, glue_backends
from moto.kms.models import Key
from moto.logs.models import LogGroup
from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from moto.sagemaker.models import FakeEndpoint, Model, SageMakerModelBackend, sagemaker_backends
from moto.ssm.models import Parameter
from moto.utilities.utils import get_partition
from werkzeug.serving import make_server

from local_records import LocalRecords
from loopback_guard import LoopbackGuard
from runtime_api import RuntimeApi

EXPECTED_MOTO = "5.2.5"


def _with_properties(cloudformation_json: Any, **changes: Any) -> Any:
    patched = copy.deepcopy(cloudformation_json)
    patched["Properties"].update(changes)
    return patched


def _patch_kms_key_tags() -> None:
    original = Key.create_from_cloudformation_json.__func__  # type: ignore[attr-defined]

    def create(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):  # type: ignore[no-untyped-def]
        tags = cloudformation_json.get("Properties", {}).get("Tags")
        if tags:
            cloudformation_json = _with_properties(
                cloudformation_json,
                Tags=[{"TagKey": t["Key"], "TagValue": t["Value"]} for t in tags],
            )
        return original(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)

    Key.create_from_cloudformation_json = classmethod(create)  # type: ignore[method-assign,assignment]


def _patch_ssm_parameter_tags() -> None:
    original = Parameter.create_from_cloudformation_json.__func__  # type: ignore[attr-defined]

    def create(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):  # type: ignore[no-untyped-def]
        tags = cloudformation_json.get("Properties", {}).get("Tags")
        if isinstance(tags, dict):
            cloudformation_json = _with_properties(
                cloudformation_json,
                Tags=[{"Key": k, "Value": v} for k, v in tags.items()],
            )
        return original(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)

    Parameter.create_from_cloudformation_json = classmethod(create)  # type: ignore[method-assign,assignment]


def _patch_sagemaker_endpoint_name() -> None:
    original = FakeEndpoint.create_from_cloudformation_json.__func__  # type: ignore[attr-defined]

    def create(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):  # type: ignore[no-untyped-def]
        name = cloudformation_json.get("Properties", {}).get("EndpointName") or resource_name
        return original(cls, name, cloudformation_json, account_id, region_name, **kwargs)

    FakeEndpoint.create_from_cloudformation_json = classmethod(create)  # type: ignore[method-assign,assignment]


def _patch_sagemaker_model_containers() -> None:
    original = Model.create_from_cloudformation_json.__func__  # type: ignore[attr-defined]

    def create(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):  # type: ignore[no-untyped-def]
        if "PrimaryContainer" not in cloudformation_json.get("Properties", {}):
            cloudformation_json = _with_properties(cloudformation_json, PrimaryContainer=None)
        return original(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)

    Model.create_from_cloudformation_json = classmethod(create)  # type: ignore[method-assign,assignment]


def _answer_cross_account_registry_arns() -> None:
    def owner(backend: SageMakerModelBackend, name: str | None) -> SageMakerModelBackend:
        parts = (name or "").split(":")
        if len(parts) < 6 or parts[0] != "arn" or parts[2] != "sagemaker":
            return backend
        region, account = parts[3], parts[4]
        if (account, region) == (backend.account_id, backend.region_name):
            return backend
        return sagemaker_backends[account][region]

    describe_package = SageMakerModelBackend.describe_model_package
    describe_group = SageMakerModelBackend.describe_model_package_group
    list_packages = SageMakerModelBackend.list_model_packages

    def describe_model_package(self, model_package_name):  # type: ignore[no-untyped-def]
        return describe_package(owner(self, model_package_name), model_package_name)

    def describe_model_package_group(self, model_package_group_name):  # type: ignore[no-untyped-def]
        return describe_group(owner(self, model_package_group_name), model_package_group_name)

    def list_model_packages(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        group = kwargs.get("model_package_group_name", args[4] if len(args) > 4 else None)
        return list_packages(owner(self, group), *args, **kwargs)

    SageMakerModelBackend.describe_model_package = describe_model_package  # type: ignore[method-assign]
    SageMakerModelBackend.describe_model_package_group = describe_model_package_group  # type: ignore[method-assign]
    SageMakerModelBackend.list_model_packages = list_model_packages  # type: ignore[method-assign]


def _keep_model_package_fields_on_update() -> None:
    original = SageMakerModelBackend.update_model_package

    def update_model_package(  # type: ignore[no-untyped-def]
        self,
        model_package_arn,
        model_approval_status,
        approval_description,
        customer_metadata_properties,
        customer_metadata_properties_to_remove,
        additional_inference_specifications_to_add,
    ):
        name = self.model_package_name_mapping.get(model_package_arn, model_package_arn)
        package = self.model_packages.get(name)
        if package is not None:
            customer_metadata_properties = {
                **(package.customer_metadata_properties or {}),
                **(customer_metadata_properties or {}),
            }
            if approval_description is None:
                approval_description = package.approval_description
            if model_approval_status is None:
                model_approval_status = package.model_approval_status
        return original(
            self,
            model_package_arn,
            model_approval_status,
            approval_description,
            customer_metadata_properties,
            customer_metadata_properties_to_remove or [],
            additional_inference_specifications_to_add,
        )

    SageMakerModelBackend.update_model_package = update_model_package  # type: ignore[method-assign]


def _register_exports_on_update() -> None:
    original = CloudFormationBackend.update_stack

    def update_stack(self, name, template, role_arn, parameters, tags):  # type: ignore[no-untyped-def]
        before = {export.name for export in self.get_stack(name).exports}
        stack = original(self, name, template, role_arn, parameters, tags)
        after = {export.name: export for export in stack.exports}
        for dropped in before - after.keys():
            self.exports.pop(dropped, None)
        self.exports.update(after)
        return stack

    CloudFormationBackend.update_stack = update_stack  # type: ignore[method-assign]


def _implement_test_event_pattern() -> None:
    def test_event_pattern(self):  # type: ignore[no-untyped-def]
        pattern = EventPattern.load(self._get_param("EventPattern"))
        event = json.loads(self._get_param("Event"))
        return json.dumps({"Result": pattern.matches_event(event)}), self.response_headers

    EventsHandler.test_event_pattern = test_event_pattern  # type: ignore[method-assign,assignment]


def _referenced(value: Any) -> set[str]:
    """The logical ids a template value refers to with ``Ref`` and ``Fn::GetAtt``."""
    found: set[str] = set()
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "Ref" and isinstance(item, str):
                found.add(item)
            elif key == "Fn::GetAtt":
                target = item[0] if isinstance(item, list) else str(item).split(".")[0]
                found.add(target)
            else:
                found |= _referenced(item)
    elif isinstance(value, list):
        for item in value:
            found |= _referenced(item)
    return found


def _patch_update_propagation() -> None:
    original = ResourceMap.build_resource_diff

    def build_resource_diff(self, other_template, parameters=None):  # type: ignore[no-untyped-def]
        actions = original(self, other_template, parameters)
        resources = other_template.get("Resources", {})
        queue = list(actions["Modify"])
        while queue:
            modified = queue.pop(0)
            for name, resource in resources.items():
                if name in actions["Modify"] or name in actions["Add"]:
                    continue
                if not str(resource.get("Type", "")).startswith("AWS::SageMaker::"):
                    continue
                if modified in _referenced(resource.get("Properties", {})):
                    actions["Modify"].append(name)  # after what it refers to: updated in order
                    queue.append(name)
        return actions

    ResourceMap.build_resource_diff = build_resource_diff  # type: ignore[method-assign]


def _patch_update_forgets_removed_resources() -> None:
    original = ResourceMap.update

    def update(self, template, parameters=None):  # type: ignore[no-untyped-def]
        before = set(self._resource_json_map)
        after = set(template.get("Resources", {}))
        # Added now: no object of a resource of that name exists (a state saved before this
        # correction may still hold one, deleted, from an update that removed it).
        for name in after - before:
            self._parsed_resources.pop(name, None)
        original(self, template, parameters)
        for name in before - after:  # deleted by the update (it raises if one could not be)
            self._parsed_resources.pop(name, None)

    ResourceMap.update = update  # type: ignore[method-assign]


def _patch_update_previous_parameters() -> None:
    original = CloudFormationBackend._resolve_update_parameters

    def resolve(self, instance, incoming_params):  # type: ignore[no-untyped-def]
        recorded = [
            p
            for p in incoming_params
            if not p.get("UsePreviousValue", False) or p["ParameterKey"] in instance.parameters
        ]
        return original(self, instance, recorded)

    CloudFormationBackend._resolve_update_parameters = resolve  # type: ignore[method-assign]


def _patch_log_group_kms_key() -> None:
    original = LogGroup.create_from_cloudformation_json.__func__  # type: ignore[attr-defined]

    def create(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):  # type: ignore[no-untyped-def]
        key = cloudformation_json.get("Properties", {}).get("KmsKeyId")
        if key:
            cloudformation_json = _with_properties(cloudformation_json, kmsKeyId=key)
        return original(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)

    LogGroup.create_from_cloudformation_json = classmethod(create)  # type: ignore[method-assign,assignment]


def _codebuild_case(value: Any) -> Any:
    """CloudFormation's property names (PascalCase) as CodeBuild's API spells them: camelCase, and
    ``BuildSpec`` is ``buildspec``. Only names are changed; no CodeBuild property is a free map."""
    if isinstance(value, dict):
        return {
            ("buildspec" if key == "BuildSpec" else key[:1].lower() + key[1:]): _codebuild_case(item)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_codebuild_case(item) for item in value]
    return value


class _ServiceResource:
    """A resource of a type moto's CloudFormation skips, made by moto's own backend of its service
    (whose API then answers for it). ``Ref`` is its name; ``Fn::GetAtt`` knows the attributes AWS
    documents for the type (any other is a template error, as on AWS). An update that keeps the
    name changes the resource in place (what it holds is kept: a database's tables, a job's runs, a
    project's builds); one that changes the name replaces it. A resource whose template gives no
    name keeps the one it was created with (moto would pass a new one)."""

    SERVICE = ""  # moto's module of the service: moto.<SERVICE>
    TYPE = ""
    NAME_PROPERTY = "Name"
    ATTRIBUTES: tuple[str, ...] = ()

    def __init__(self, name: str, account_id: str, region_name: str):
        self.name = name
        self.account_id = account_id
        self.region_name = region_name

    @classmethod
    def cloudformation_type(cls) -> str:
        return cls.TYPE

    @classmethod
    def cloudformation_name_type(cls) -> str:
        return cls.NAME_PROPERTY

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr in cls.ATTRIBUTES

    @property
    def physical_resource_id(self) -> str:
        return self.name

    def get_cfn_attribute(self, attribute_name: str) -> Any:
        if attribute_name not in self.ATTRIBUTES:
            raise UnformattedGetAttTemplateException()
        return self.attribute(attribute_name)

    @classmethod
    def name_in(cls, properties: dict[str, Any], default: str) -> str:
        return properties.get(cls.NAME_PROPERTY) or default

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):  # type: ignore[no-untyped-def]
        properties = cloudformation_json.get("Properties") or {}
        resource = cls(cls.name_in(properties, resource_name), account_id, region_name)
        resource.create(properties)
        return resource

    @classmethod
    def update_from_cloudformation_json(cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name):  # type: ignore[no-untyped-def]
        properties = cloudformation_json.get("Properties") or {}
        resource = cls(cls.name_in(properties, original_resource.name), account_id, region_name)
        if resource.name == original_resource.name:
            resource.put(properties, previous=original_resource)
        else:  # replaced: the new one first, as CloudFormation does
            resource.create(properties)
            original_resource.delete(account_id, region_name)
        return resource

    def create(self, properties: dict[str, Any]) -> None:
        if self.exists():
            raise ValidationError(message=f"{self.TYPE} {self.name} already exists")
        self.put(properties, previous=None)

    def delete(self, account_id: str, region_name: str) -> None:
        self.remove()

    # What each type does with its service's backend.
    def exists(self) -> bool:
        raise NotImplementedError

    def put(self, properties: dict[str, Any], previous: Any) -> None:
        """Creates the resource, or changes it in place (``previous``: the resource it was)."""
        raise NotImplementedError

    def remove(self) -> None:
        raise NotImplementedError

    def attribute(self, name: str) -> Any:
        raise NotImplementedError


class _GlueSecurityConfiguration(_ServiceResource):
    SERVICE, TYPE = "glue", "AWS::Glue::SecurityConfiguration"

    @property
    def backend(self) -> GlueBackend:
        return glue_backends[self.account_id][self.region_name]

    def exists(self) -> bool:
        return self.name in self.backend.security_configurations

    def put(self, properties: dict[str, Any], previous: Any) -> None:
        configuration = dict(properties.get("EncryptionConfiguration") or {})
        if "S3Encryptions" in configuration:  # CloudFormation's name for the API's S3Encryption
            configuration["S3Encryption"] = configuration.pop("S3Encryptions")
        self.backend.security_configurations.pop(self.name, None)  # AWS replaces it on any change
        self.backend.create_security_configuration(self.name, configuration)

    def remove(self) -> None:
        self.backend.security_configurations.pop(self.name, None)


class _GlueJob(_ServiceResource):
    SERVICE, TYPE = "glue", "AWS::Glue::Job"

    @property
    def backend(self) -> GlueBackend:
        return glue_backends[self.account_id][self.region_name]

    @property
    def arn(self) -> str:
        return f"arn:{get_partition(self.region_name)}:glue:{self.region_name}:{self.account_id}:job/{self.name}"

    def exists(self) -> bool:
        return self.name in self.backend.jobs

    def put(self, properties: dict[str, Any], previous: Any) -> None:
        p = properties
        kept = self.backend.jobs.get(self.name) if previous is not None else None
        self.backend.tagger.delete_all_tags_for_resource(self.arn)  # the template's are all it has
        self.backend.create_job(
            name=self.name,
            role=p.get("Role"),
            command=p.get("Command"),
            description=p.get("Description"),
            log_uri=p.get("LogUri"),
            execution_property=p.get("ExecutionProperty"),
            default_arguments=p.get("DefaultArguments"),
            non_overridable_arguments=p.get("NonOverridableArguments"),
            connections=p.get("Connections"),
            max_retries=p.get("MaxRetries"),
            allocated_capacity=p.get("AllocatedCapacity"),
            timeout=p.get("Timeout"),
            max_capacity=p.get("MaxCapacity"),
            security_configuration=p.get("SecurityConfiguration"),
            tags=p.get("Tags") or {},  # a map in CloudFormation, as in Glue's API
            notification_property=p.get("NotificationProperty"),
            glue_version=p.get("GlueVersion"),
            number_of_workers=p.get("NumberOfWorkers"),
            worker_type=p.get("WorkerType"),
            code_gen_configuration_nodes=None,
            execution_class=p.get("ExecutionClass"),
            source_control_details=None,
        )
        if kept is not None:
            job = self.backend.jobs[self.name]
            job.job_runs, job.created_on = kept.job_runs, kept.created_on

    def remove(self) -> None:
        self.backend.delete_job(self.name)
        self.backend.tagger.delete_all_tags_for_resource(self.arn)


class _GlueDatabase(_ServiceResource):
    SERVICE, TYPE = "glue", "AWS::Glue::Database"
    NAME_PROPERTY = "DatabaseName"

    @classmethod
    def name_in(cls, properties: dict[str, Any], default: str) -> str:
        return (properties.get("DatabaseInput") or {}).get("Name") or properties.get("DatabaseName") or default

    @property
    def backend(self) -> GlueBackend:
        return glue_backends[self.account_id][self.region_name]

    def exists(self) -> bool:
        return self.name in self.backend.databases

    def put(self, properties: dict[str, Any], previous: Any) -> None:
        database_input = {**(properties.get("DatabaseInput") or {}), "Name": self.name}
        if previous is not None and self.exists():
            self.backend.update_database(self.name, database_input)  # keeps its tables
        else:
            self.backend.create_database(self.name, database_input)

    def remove(self) -> None:
        self.backend.databases.pop(self.name, None)


class _AthenaWorkGroup(_ServiceResource):
    SERVICE, TYPE = "athena", "AWS::Athena::WorkGroup"
    ENGINE = "WorkGroupConfiguration.EngineVersion.EffectiveEngineVersion"
    ATTRIBUTES = ("CreationTime", ENGINE)

    def __init__(self, name: str, account_id: str, region_name: str):
        super().__init__(name, account_id, region_name)
        self.creation_time = utcnow()

    @property
    def backend(self) -> AthenaBackend:
        return athena_backends[self.account_id][self.region_name]

    def exists(self) -> bool:
        return self.name in self.backend.work_groups

    def put(self, properties: dict[str, Any], previous: Any) -> None:
        if previous is not None:
            self.creation_time = previous.creation_time
        configuration = copy.deepcopy(properties.get("WorkGroupConfiguration") or {})
        engine = configuration.get("EngineVersion")
        if engine is not None and "EffectiveEngineVersion" not in engine:  # AWS always answers it
            selected = engine.get("SelectedEngineVersion", "AUTO")
            engine["EffectiveEngineVersion"] = "Athena engine version 3" if selected == "AUTO" else selected
        self.remove()
        group = self.backend.create_work_group(
            self.name, configuration, properties.get("Description", ""), properties.get("Tags") or []
        )
        group.state = properties.get("State", "ENABLED")  # type: ignore[union-attr]

    def remove(self) -> None:
        group = self.backend.work_groups.pop(self.name, None)
        if group is not None:
            self.backend.tagger.delete_all_tags_for_resource(group.arn)

    def attribute(self, name: str) -> Any:
        if name == "CreationTime":
            return self.creation_time.isoformat()
        return self.backend.work_groups[self.name].configuration["EngineVersion"]["EffectiveEngineVersion"]


class _CodeBuildProject(_ServiceResource):
    SERVICE, TYPE = "codebuild", "AWS::CodeBuild::Project"
    ATTRIBUTES = ("Arn",)
    # Fields of CodeBuild's project that moto's create_project does not take; kept as given.
    OTHER_FIELDS = (
        "secondarySources",
        "secondarySourceVersions",
        "secondaryArtifacts",
        "fileSystemLocations",
        "buildBatchConfig",
        "concurrentBuildLimit",
    )

    @property
    def backend(self) -> CodeBuildBackend:
        return codebuild_backends[self.account_id][self.region_name]

    def exists(self) -> bool:
        return self.name in self.backend.codebuild_projects

    def put(self, properties: dict[str, Any], previous: Any) -> None:
        c = _codebuild_case(properties)
        kept = self.backend.codebuild_projects.get(self.name) if previous is not None else None
        builds = self.backend.build_history.get(self.name, [])
        project = self.backend.create_project(
            self.name,
            c.get("description"),
            c.get("source") or {},
            c.get("artifacts") or {},
            c.get("environment") or {},
            c.get("serviceRole"),
            c.get("tags"),
            c.get("cache"),
            c.get("timeoutInMinutes", 60),  # CodeBuild's defaults (moto's are 0)
            c.get("queuedTimeoutInMinutes", 480),
            c.get("sourceVersion"),
            c.get("logsConfig"),
            c.get("vpcConfig"),
        )
        if "encryptionKey" in c:  # moto sets the default key (alias/aws/s3) whatever is given
            project["encryptionKey"] = c["encryptionKey"]
        if "badgeEnabled" in c:
            project["badge"] = {"badgeEnabled": c["badgeEnabled"]}
        project.update({field: c[field] for field in self.OTHER_FIELDS if field in c})
        if kept is not None:
            project["created"] = kept.project_metadata["created"]
            self.backend.build_history[self.name] = builds

    def remove(self) -> None:
        self.backend.delete_project(self.name)
        self.backend.build_history.pop(self.name, None)

    def attribute(self, name: str) -> Any:
        return self.backend.codebuild_projects[self.name].arn


def _data_pipeline_resources() -> None:
    for model in (
        _GlueSecurityConfiguration,
        _GlueJob,
        _GlueDatabase,
        _AthenaWorkGroup,
        _CodeBuildProject,
    ):
        # moto's CloudFormation knows the direct subclasses of CloudFormationModel (listed once, on
        # the first template parsed); its model registry files each under the service its module
        # names (moto.<service>.…), so the class says it is moto's.
        type(CloudFormationModel)(
            model.__name__.lstrip("_"),
            (model, CloudFormationModel),
            {"__module__": f"moto.{model.SERVICE}.launcher_models"},
        )
    for cached in (get_model_list, get_model_map, get_name_type_map):
        cached.cache_clear()


def apply_corrections() -> None:
    """Applies the corrections this module's docstring lists (before any template is parsed)."""
    _patch_kms_key_tags()
    _patch_ssm_parameter_tags()
    _patch_sagemaker_model_containers()
    _patch_sagemaker_endpoint_name()
    _patch_update_previous_parameters()
    _patch_update_propagation()
    _patch_update_forgets_removed_resources()
    _implement_test_event_pattern()
    _answer_cross_account_registry_arns()
    _keep_model_package_fields_on_update()
    _register_exports_on_update()
    _patch_log_group_kms_key()
    _data_pipeline_resources()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port-file", required=True)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--state-dir", default=os.getcwd())
    args = parser.parse_args()

    if moto.__version__ != EXPECTED_MOTO:
        print(
            f"moto_server: corrections written for moto {EXPECTED_MOTO}, found {moto.__version__}",
            file=sys.stderr,
        )
        return 2
    apply_corrections()

    app = LoopbackGuard(RuntimeApi(LocalRecords(DomainDispatcherApplication(create_backend_app)), args.state_dir))
    server = make_server("127.0.0.1", args.port, app, True, request_handler=MotoRequestHandler)
    port = server.server_address[1]

    def stop(signum: int, _frame: Any) -> None:
        # Once: a second signal (Ctrl-C on top of `down`'s SIGTERM) would cut short what runs on
        # the way out (persistent_emulator.py saves the state then).
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    tmp = f"{args.port_file}.{os.getpid()}.tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(str(port))
    os.replace(tmp, args.port_file)
    print(f"moto_server: moto {moto.__version__} listening on 127.0.0.1:{port}", flush=True)
    try:
        server.serve_forever()
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
