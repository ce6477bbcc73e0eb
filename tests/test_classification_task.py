import lightning as L
import torch

from helpers.corpora import NSMC_LABELS
from helpers.data import collate_dynamic_padding
from helpers.models import load_sequence_classifier
from helpers.settings import CourseSettings
from helpers.tasks import ClassificationTask, linear_warmup_decay


def fixed_batch():
    g = torch.Generator().manual_seed(0)
    rows = [{"input_ids": [2, *torch.randint(5, 300, (n,), generator=g).tolist(), 3], "labels": n % 2}
            for n in (4, 9, 6, 12, 5, 7, 8, 3)]
    return collate_dynamic_padding(rows, pad_token_id=0)


def test_training_steps_lower_the_loss_on_a_fixed_batch():
    L.seed_everything(0, verbose=False)
    model = load_sequence_classifier(CourseSettings(smoke=True), NSMC_LABELS)
    task = ClassificationTask(model, learning_rate=1e-3)
    batch = fixed_batch()
    optimizer = torch.optim.AdamW(task.parameters(), lr=1e-3)
    model.train()
    losses = []
    for _ in range(15):
        loss = task(batch).loss
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert losses[-1] < losses[0] * 0.5, losses


def test_label_names_live_in_the_model_config():
    model = load_sequence_classifier(CourseSettings(smoke=True), NSMC_LABELS)
    assert model.config.id2label == {0: "부정", 1: "긍정"} and model.config.num_labels == 2


def test_schedule_warms_up_then_decays_to_zero():
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=1.0)
    sched = linear_warmup_decay(opt, total_steps=10, warmup_steps=2)
    lrs = []
    for _ in range(10):
        lrs.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    assert lrs[0] < lrs[1] < lrs[2] == 1.0
    assert all(a > b for a, b in zip(lrs[2:], lrs[3:])) and opt.param_groups[0]["lr"] == 0.0
