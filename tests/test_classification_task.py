import lightning as L
import torch

from helpers.core.corpora import NSMC_LABELS
from helpers.core.data import collate_dynamic_padding
from helpers.core.models import load_sequence_classifier
from helpers.core.settings import CourseSettings
from helpers.core.tasks import ClassificationTask, linear_warmup_decay


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


def test_pretrained_weights_load_in_training_mode_with_a_seeded_head(tmp_path, capsys):
    from transformers import BertForMaskedLM

    from helpers.core.models import load_config

    base = BertForMaskedLM(load_config(CourseSettings(smoke=True)))  # stands in for a pretrained checkpoint
    base.save_pretrained(tmp_path)
    settings = CourseSettings(model_dir=str(tmp_path), max_seq_length=64)
    first = load_sequence_classifier(settings, NSMC_LABELS)
    second = load_sequence_classifier(settings, NSMC_LABELS)
    assert first.training  # from_pretrained alone would leave dropout off during fine-tuning
    assert torch.equal(first.bert.embeddings.word_embeddings.weight, base.bert.embeddings.word_embeddings.weight)
    assert torch.equal(first.classifier.weight, second.classifier.weight)
    assert "FRESHLY INITIALISED" not in capsys.readouterr().out


def test_a_model_folder_without_weights_says_so_loudly(tmp_path, capsys):
    from helpers.core.models import load_config

    load_config(CourseSettings(smoke=True)).save_pretrained(tmp_path)
    load_sequence_classifier(CourseSettings(model_dir=str(tmp_path), max_seq_length=64), NSMC_LABELS)
    assert "has no weights: the model is FRESHLY INITIALISED" in capsys.readouterr().out


def test_a_smoke_model_is_the_tiny_local_bert_loaded_with_from_pretrained():
    from pathlib import Path

    from safetensors.torch import load_file

    from helpers.core.models import has_weights, model_source

    settings = CourseSettings(smoke=True)
    folder = Path(model_source(settings))
    assert has_weights(folder) and (folder / "config.json").is_file()
    saved = load_file(str(folder / "model.safetensors"))
    model = load_sequence_classifier(settings, NSMC_LABELS)
    assert model.config.num_hidden_layers == 2 and model.training
    for name, tensor in model.bert.state_dict().items():  # the whole body comes from the folder, not a fresh init
        assert torch.equal(tensor, saved[f"bert.{name}"]), name
