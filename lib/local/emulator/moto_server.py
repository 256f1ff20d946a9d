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
- Stack updates: a parameter passed with ``UsePreviousValue`` that moto did not record (the CDK's
  ``BootstrapVersion``, left at its default on create) is a KeyError (HTTP 500); it is resolved
  as on create instead (its default).

Both are corrected by converting the tags to the shape moto's backends expect; the tags are kept
(the Local templates must carry them, for parity). Usage:

    python moto_server.py --port-file FILE [--port N]

Port 0 (the default) takes a free port; the port bound is written to FILE (atomically) once the
server accepts connections. Stops on SIGTERM/SIGINT.
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
from moto.cloudformation.models import CloudFormationBackend
from moto.cloudformation.parsing import ResourceMap
from moto.events.models import EventPattern
from moto.events.responses import EventsHandler
from moto.kms.models import Key
from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from moto.sagemaker.models import Model, SageMakerModelBackend, sagemaker_backends
from moto.ssm.models import Parameter
from werkzeug.serving import make_server

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


def apply_corrections() -> None:
    """Corrects moto's CloudFormation handling of KMS key and SSM parameter tags and of stack
    updates that keep a parameter moto did not record."""
    _patch_kms_key_tags()
    _patch_ssm_parameter_tags()
    _patch_sagemaker_model_containers()
    _patch_update_previous_parameters()
    _patch_update_propagation()
    _implement_test_event_pattern()
    _answer_cross_account_registry_arns()
    _keep_model_package_fields_on_update()
    _register_exports_on_update()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port-file", required=True)
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()

    if moto.__version__ != EXPECTED_MOTO:
        print(
            f"moto_server: corrections written for moto {EXPECTED_MOTO}, found {moto.__version__}",
            file=sys.stderr,
        )
        return 2
    apply_corrections()

    app = DomainDispatcherApplication(create_backend_app)
    server = make_server("127.0.0.1", args.port, app, True, request_handler=MotoRequestHandler)
    port = server.server_address[1]

    def stop(signum: int, _frame: Any) -> None:
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
