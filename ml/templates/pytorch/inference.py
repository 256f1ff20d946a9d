"""Serving entry point of __MODEL_NAME__ in the SageMaker PyTorch container (2.3, the inference
toolkit's handler service calls model_fn and transform_fn).

  model_fn(model_dir)   refuses files whose digest is not MLENV_MODEL_FILES_SHA256 (the pinned
                        package's), then rebuilds the network from model-metadata.json and loads
                        its weights (model.pt, a state dict, loaded with weights_only)
  transform_fn(model, request_body, content_type, accept)
                        CSV or JSON rows in -> {"predictions": [...]}, by problem type:
                        {"score", "label"} (binary), {"label", "scores"} (multiclass),
                        {"score"} (regression)

The network is a small multilayer perceptron: the features standardized with the train split's
means and scales (held in the weights), two hidden ReLU layers, and one output (binary: the
logit of class 1; regression: the standardized value) or one per class (multiclass: logits).
torch is imported only where it is used, so the other scripts run without it.

Request and answer formats and the 4xx answers are mlenv_model.serving's (shipped beside this
file in the artifact's code/).
"""

import os

from mlenv_model import artifact, cli, contract, serving

PROBLEM_TYPE = "__PROBLEM_TYPE__"
MODEL_FILE = "model.pt"


def build_network(inputs, hidden_units, outputs):
    """The multilayer perceptron, untrained: ``network(x)`` standardizes ``x`` with its buffers
    ``feature_mean``/``feature_scale`` and returns the raw outputs (logits or a standardized value);
    ``target_mean``/``target_scale`` turn a regression's output back into the target's units."""
    import torch

    class Network(torch.nn.Module):
        def __init__(self):
            super(Network, self).__init__()
            self.layers = torch.nn.Sequential(
                torch.nn.Linear(inputs, hidden_units),
                torch.nn.ReLU(),
                torch.nn.Linear(hidden_units, hidden_units),
                torch.nn.ReLU(),
                torch.nn.Linear(hidden_units, outputs),
            )
            self.register_buffer("feature_mean", torch.zeros(inputs))
            self.register_buffer("feature_scale", torch.ones(inputs))
            self.register_buffer("target_mean", torch.zeros(1))
            self.register_buffer("target_scale", torch.ones(1))

        def forward(self, features):
            return self.layers((features - self.feature_mean) / self.feature_scale)

    return Network()


def outputs(classes):
    """The network's output count: one per class for multiclass, else one."""
    return len(classes) if PROBLEM_TYPE == "multiclass_classification" else 1


def load_model(model_dir):
    """The network with its weights, and its metadata (no integrity check: see model_fn)."""
    import torch

    metadata = contract.load_model_metadata(model_dir, MODEL_FILE)
    shape = metadata.get("network") or {}
    try:
        network = build_network(int(shape["inputs"]), int(shape["hidden_units"]), int(shape["outputs"]))
        state = torch.load(os.path.join(model_dir, MODEL_FILE), map_location="cpu", weights_only=True)
        network.load_state_dict(state)
    except Exception as exc:  # a missing shape or a corrupt/mismatched file is bad input, not a bug
        raise cli.MLError("could not load the network in %s: %s" % (model_dir, exc))
    network.eval()
    return serving.Model(network, metadata)


def predict(model, features):
    """Probability of class 1 (binary), each class's probability (multiclass, in the order of
    the metadata's ``classes``), or the predicted value (regression) of each row."""
    import torch

    network = model.estimator
    with torch.no_grad():
        raw = network(torch.as_tensor(features, dtype=torch.float32))
        if PROBLEM_TYPE == "binary_classification":
            result = torch.sigmoid(raw[:, 0])
        elif PROBLEM_TYPE == "multiclass_classification":
            result = torch.softmax(raw, dim=1)
        else:
            result = raw[:, 0] * network.target_scale + network.target_mean
    return result.double().numpy()


def model_fn(model_dir):
    artifact.check_model_files(model_dir)
    return load_model(model_dir)


def transform_fn(model, request_body, content_type, accept):
    return serving.transform(model, request_body, content_type, accept, predict, PROBLEM_TYPE)
