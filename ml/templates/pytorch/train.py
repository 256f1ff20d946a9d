"""Training job of __MODEL_NAME__ (PyTorch script mode): a small multilayer perceptron (see
inference.build_network) trained with Adam on the problem type's loss: binary cross-entropy on the
logit (binary_classification), cross-entropy (multiclass_classification) or the mean squared error
of the standardized target (regression).

Contract (mlenv_model.contract)
  hyperparameters  --epochs (int, 100)  --hidden-units (int, 32)  --learning-rate (float, 0.01)
                   --batch-size (int, 64)  --target-column (target); --hidden_units too
  input   SM_CHANNEL_TRAIN, SM_CHANNEL_VALIDATION (defaults /opt/ml/input/data/<channel>): CSV
          with a header, numeric features and the target
  output  SM_MODEL_DIR (default /opt/ml/model): model.pt (the network's state dict),
          model-metadata.json (with the network's shape), and code/ (inference.py and
          mlenv_model) for serving

It trains in one process on the CPU (or the first GPU when there is one); it does not distribute
across instances: configure one training instance.

Metric lines (the problem type's, mlenv_model.metrics.training_metric_names), 6 decimals:
``metric train:<first metric>=...``, then ``metric validation:<metric>=...`` for each.
Bad input -> one ``error: ...`` line on stderr and exit status 2.
"""

import os

import inference
from mlenv_model import cli, contract, data, metrics, training

SEED = 42
HYPERPARAMETERS = [
    contract.Hyperparameter("epochs", int, 100, lambda v: v >= 1, ">= 1"),
    contract.Hyperparameter("hidden-units", int, 32, lambda v: v >= 1, ">= 1"),
    contract.Hyperparameter("learning-rate", float, 0.01, lambda v: v > 0, "> 0"),
    contract.Hyperparameter("batch-size", int, 64, lambda v: v >= 1, ">= 1"),
]


def fit(features, target, settings, classes=None):
    """The trained network (on the CPU) for ``settings`` (the hyperparameters by dest)."""
    import numpy as np
    import torch

    torch.manual_seed(SEED)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    network = inference.build_network(features.shape[1], settings["hidden_units"],
                                      inference.outputs(classes or []))
    scale = features.std(axis=0)
    network.feature_mean.copy_(torch.as_tensor(features.mean(axis=0), dtype=torch.float32))
    network.feature_scale.copy_(torch.as_tensor(np.where(scale > 0, scale, 1.0), dtype=torch.float32))
    x = torch.as_tensor(features, dtype=torch.float32)
    if inference.PROBLEM_TYPE == "multiclass_classification":
        y = torch.as_tensor(target, dtype=torch.int64)
        loss_function = torch.nn.CrossEntropyLoss()
    elif inference.PROBLEM_TYPE == "binary_classification":
        y = torch.as_tensor(target, dtype=torch.float32).reshape(-1, 1)
        loss_function = torch.nn.BCEWithLogitsLoss()
    else:
        target_scale = float(target.std()) or 1.0
        network.target_mean.fill_(float(target.mean()))
        network.target_scale.fill_(target_scale)
        y = torch.as_tensor((target - target.mean()) / target_scale, dtype=torch.float32).reshape(-1, 1)
        loss_function = torch.nn.MSELoss()
    network.to(device)
    optimizer = torch.optim.Adam(network.parameters(), lr=settings["learning_rate"])
    generator = torch.Generator().manual_seed(SEED)
    network.train()
    for _ in range(settings["epochs"]):
        order = torch.randperm(len(x), generator=generator)
        for start in range(0, len(x), settings["batch_size"]):
            batch = order[start:start + settings["batch_size"]]
            optimizer.zero_grad()
            loss = loss_function(network(x[batch].to(device)), y[batch].to(device))
            loss.backward()
            optimizer.step()
    network.eval()
    return network.to("cpu")


def train(train_dir, validation_dir, model_dir, settings=None,
          target_column=data.DEFAULT_TARGET_COLUMN, log=print):
    """Fit, save the weights, the metadata and the serving code; print the metric lines."""
    settings = dict((hp.dest, hp.default) for hp in HYPERPARAMETERS) if settings is None else settings
    contract.check_hyperparameters(HYPERPARAMETERS, settings)
    channels = training.Channels(train_dir, validation_dir, target_column, inference.PROBLEM_TYPE)
    details = {"hyperparameters": dict(settings, seed=SEED)}
    classes = None
    if inference.PROBLEM_TYPE != "regression":
        seen = sorted(set(int(v) for v in channels.y_train.tolist()))
        if len(seen) < 2:
            raise cli.MLError("%s contains only one target class (%d); need at least two"
                              % (channels.train_source, seen[0]))
        # one output per class 0 ... n-1, up to the largest class
        classes = ([0, 1] if inference.PROBLEM_TYPE == "binary_classification" else
                   list(range(max(seen + [int(v) for v in channels.y_validation.tolist()]) + 1)))
        details["classes"] = classes
        if inference.PROBLEM_TYPE == "binary_classification":
            details["decision_threshold"] = metrics.DECISION_THRESHOLD
    import torch

    network = fit(channels.x_train, channels.y_train, settings, classes)
    values = training.score(inference, network, channels, log, classes)
    os.makedirs(model_dir, exist_ok=True)
    torch.save(network.state_dict(), os.path.join(model_dir, inference.MODEL_FILE))
    details["network"] = {"inputs": len(channels.columns), "hidden_units": settings["hidden_units"],
                          "outputs": inference.outputs(classes or [])}
    details["torch_version"] = torch.__version__
    training.finish(model_dir, inference, __file__, channels, values, details, log)
    return values


run = training.command_line("Train __MODEL_NAME__.", HYPERPARAMETERS, train)


main = cli.entry_point(__name__, run)
