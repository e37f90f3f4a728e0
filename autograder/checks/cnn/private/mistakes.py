"""Known mistakes of the cnn assignment, as edits of its reference module."""

from autograder.checkkit import Mistake

MISTAKES = [
    # -- SmallCNN.forward ------------------------------------------------------
    Mistake(
        name="flatten_channels_last",
        task="SmallCNN.forward",
        message=(
            "the feature maps are flattened in (row, column, channel) order: flatten the "
            "(N, 32, 2, 2) tensor as it is, x.flatten(1), so that fc1's 128 inputs come in "
            "torch's (channel, row, column) order."
        ),
        replace=(("x = x.flatten(1)  # (N, 128)", "x = x.permute(0, 2, 3, 1).flatten(1)"),),
    ),
    Mistake(
        name="average_pooling",
        task="SmallCNN.forward",
        message=(
            "the network pools with the average: both pooling layers are 2x2 max pooling "
            "(F.max_pool2d(x, 2) or nn.MaxPool2d(2))."
        ),
        replace=(
            ("F.max_pool2d(F.relu(self.conv1(x)), 2)", "F.avg_pool2d(F.relu(self.conv1(x)), 2)"),
            ("F.max_pool2d(F.relu(self.conv2(x)), 2)", "F.avg_pool2d(F.relu(self.conv2(x)), 2)"),
        ),
    ),
    Mistake(
        name="no_relu_after_fc1",
        task="SmallCNN.forward",
        message=(
            "there is no ReLU between fc1 and fc2: without it the two linear layers collapse "
            "into one. Apply ReLU to fc1's output."
        ),
        replace=(("x = F.relu(self.fc1(x))", "x = self.fc1(x)"),),
    ),
    Mistake(
        name="softmax_output",
        task="SmallCNN.forward",
        message=(
            "forward returns probabilities (a softmax of the logits): return the logits "
            "themselves; nn.CrossEntropyLoss applies log-softmax on its own."
        ),
        replace=(("logits = self.fc2(x)  # (N, C)", "logits = torch.softmax(self.fc2(x), dim=1)"),),
    ),
    # -- train_epoch -----------------------------------------------------------
    Mistake(
        name="no_zero_grad",
        task="train_epoch",
        message=(
            "the gradients are never cleared: backward() adds to .grad, so every step uses "
            "the sum of all gradients so far. Call optimizer.zero_grad() before backward."
        ),
        replace=(
            ("        optimizer.zero_grad()\n        loss = loss_fn", "        loss = loss_fn"),
        ),
    ),
    Mistake(
        name="mean_of_batch_means",
        task="train_epoch",
        message=(
            "the mean loss is the mean of the batch means: when the last batch is smaller, "
            "its examples count more. Weight each batch's loss by its size and divide by "
            "the number of examples."
        ),
        replace=(
            (
                "total_loss += loss.item() * len(y)\n        count += len(y)",
                "total_loss += loss.item()\n        count += 1",
            ),
        ),
    ),
    Mistake(
        name="train_mode_not_set",
        task="train_epoch",
        message=(
            "train_epoch trains a model left in eval mode: call model.train() first, so that "
            "batch norm uses the batch statistics (and dropout is on) while training."
        ),
        replace=(("    ### BEGIN SOLUTION\n    model.train()\n", "    ### BEGIN SOLUTION\n"),),
    ),
    # -- evaluate --------------------------------------------------------------
    Mistake(
        name="evaluate_mode_not_restored",
        task="evaluate",
        message=(
            "evaluate leaves the model in eval mode: remember model.training before switching "
            "to eval, and afterwards pass that value to model.train to restore the mode."
        ),
        replace=(("    model.train(was_training)\n", ""),),
    ),
    Mistake(
        name="evaluate_always_back_to_train",
        task="evaluate",
        message=(
            "evaluate switches the model to train mode afterwards even when it came in eval "
            "mode: pass the model.training value remembered before the call to model.train to "
            "restore the mode it had."
        ),
        replace=(("    model.train(was_training)\n", "    model.train()\n"),),
    ),
    Mistake(
        name="evaluate_without_no_grad",
        task="evaluate",
        message=(
            "evaluate runs with autograd on: wrap the loop in `with torch.no_grad():` so no "
            "graph is built (less memory, faster, and nothing can leak into .grad)."
        ),
        replace=(
            (
                "    with torch.no_grad():\n        for x, y in loader:",
                "    with torch.enable_grad():\n        for x, y in loader:",
            ),
        ),
    ),
    Mistake(
        name="evaluate_in_train_mode",
        task="evaluate",
        message=(
            "evaluate runs the model in train mode: call model.eval() first, so batch norm "
            "uses its running statistics (and leaves them alone) and dropout is off."
        ),
        replace=(("    model.eval()\n    with torch.no_grad():", "    with torch.no_grad():"),),
    ),
    Mistake(
        name="evaluate_mean_of_batch_means",
        task="evaluate",
        message=(
            "evaluate averages the batch means of the loss and the accuracy: a smaller last "
            "batch then counts as much as a full one. Sum loss * batch size and the number of "
            "correct predictions, and divide both by the number of examples."
        ),
        replace=(
            (
                "total_loss += loss_fn(logits, y).item() * len(y)",
                "total_loss += loss_fn(logits, y).item()",
            ),
            (
                "correct += (logits.argmax(dim=1) == y).sum().item()",
                "correct += (logits.argmax(dim=1) == y).float().mean().item()",
            ),
            ("            count += len(y)", "            count += 1"),
        ),
    ),
    # -- lr_schedule -----------------------------------------------------------
    Mistake(
        name="warmup_from_zero",
        task="lr_schedule",
        message=(
            "the warmup starts at 0: the first update would not move the weights at all. "
            "With t = step + 1, the warmup factor is t / warmup_steps."
        ),
        replace=(("factor = t / warmup_steps", "factor = step / warmup_steps"),),
    ),
    Mistake(
        name="no_warmup",
        task="lr_schedule",
        message=(
            "there is no warmup: the factor must climb linearly, t / warmup_steps, over the "
            "first warmup_steps updates before the cosine decay starts."
        ),
        replace=(
            ("if t <= warmup_steps:", "if False:"),
            (
                "progress = (t - warmup_steps) / (total_steps - warmup_steps)",
                "progress = t / total_steps",
            ),
        ),
    ),
    Mistake(
        name="cosine_clock_not_restarted",
        task="lr_schedule",
        message=(
            "the cosine counts from the first update instead of from the end of the warmup: "
            "progress = (t - warmup_steps) / (total_steps - warmup_steps), so the factor is "
            "exactly 1 when the warmup ends."
        ),
        replace=(
            (
                "progress = (t - warmup_steps) / (total_steps - warmup_steps)",
                "progress = t / total_steps",
            ),
        ),
    ),
    # -- fit -------------------------------------------------------------------
    Mistake(
        name="adam_instead_of_adamw",
        task="fit",
        message=(
            "fit uses Adam: with Adam, weight_decay is an L2 term added to the gradient and "
            "rescaled by the adaptive step. Use torch.optim.AdamW (decoupled weight decay)."
        ),
        replace=(("torch.optim.AdamW(model.parameters()", "torch.optim.Adam(model.parameters()"),),
    ),
    Mistake(
        name="schedule_stepped_per_epoch",
        task="fit",
        message=(
            "the scheduler steps once per epoch: the warmup and the cosine are defined per "
            "update, so hand the scheduler to train_epoch, which steps it after every batch."
        ),
        replace=(
            (
                "train_epoch(model, train_loader, optimizer, loss_fn, scheduler=scheduler)",
                "train_epoch(model, train_loader, optimizer, loss_fn)\n        scheduler.step()",
            ),
        ),
    ),
    Mistake(
        name="history_lr_of_next_update",
        task="fit",
        message=(
            'history["lr"] holds the learning rate of the next update (what the scheduler '
            "reports after stepping): record the learning rate of the epoch's last update, "
            "lr * lr_schedule(last_step, ...)."
        ),
        replace=(
            (
                "lr * lr_schedule(last_step, warmup_steps, total_steps))",
                'optimizer.param_groups[0]["lr"])',
            ),
        ),
    ),
    Mistake(
        name="best_weights_not_restored",
        task="fit",
        message=(
            "after early stopping the model keeps its last weights, not the best epoch's: "
            "model.state_dict() returns the live tensors, which go on changing, so keep "
            "copy.deepcopy(model.state_dict()) and load it back at the end."
        ),
        replace=(
            ("best_state = copy.deepcopy(model.state_dict())", "best_state = model.state_dict()"),
        ),
    ),
    Mistake(
        name="patience_off_by_one",
        task="fit",
        message=(
            "early stopping waits one epoch too long: stop as soon as `patience` epochs in a "
            "row have not improved on the best validation loss (bad_epochs >= patience)."
        ),
        replace=(("if bad_epochs >= patience:", "if bad_epochs > patience:"),),
    ),
]
