"""mimbench.LARS, the update of MAE's linear probing (util/lars.py): 1-D tensors skip decay and trust."""
import pytest
import torch

from mimbench.transfer.lars import LARS


def _reference_step(p, grad, mu, lr, wd, momentum, eta=0.001):
    """MAE's update written out for one tensor."""
    update = grad.clone()
    if p.ndim > 1:
        update = update + wd * p
        ratio = eta * p.norm() / update.norm()
        update = update * ratio
    mu = momentum * mu + update
    return p - lr * mu, mu


def test_matrix_gets_trust_ratio_and_decay_bias_gets_neither():
    torch.manual_seed(0)
    weight, bias = torch.nn.Parameter(torch.randn(4, 3)), torch.nn.Parameter(torch.randn(4))
    opt = LARS([weight, bias], lr=0.5, weight_decay=0.1, momentum=0.9)
    expected = {}
    mus = {id(weight): torch.zeros(4, 3), id(bias): torch.zeros(4)}
    for step in range(3):
        grads = (torch.randn(4, 3), torch.randn(4))
        for p, g in zip((weight, bias), grads):
            expected[id(p)], mus[id(p)] = _reference_step(p.detach(), g, mus[id(p)], 0.5, 0.1, 0.9)
            p.grad = g
        opt.step()
        for p in (weight, bias):
            torch.testing.assert_close(p.detach(), expected[id(p)])


def test_bias_step_is_plain_momentum_sgd_without_decay():
    bias = torch.nn.Parameter(torch.ones(3))
    opt = LARS([bias], lr=1.0, weight_decay=10.0, momentum=0.0)
    bias.grad = torch.full((3,), 0.5)
    opt.step()
    torch.testing.assert_close(bias.detach(), torch.full((3,), 0.5))   # 1 - 1.0 x 0.5: no decay, no ratio


def test_zero_weights_skip_the_ratio_and_bad_arguments_are_refused():
    weight = torch.nn.Parameter(torch.zeros(2, 2))
    opt = LARS([weight], lr=1.0, momentum=0.0)
    weight.grad = torch.ones(2, 2)
    opt.step()
    torch.testing.assert_close(weight.detach(), -torch.ones(2, 2))   # ratio 1 when ||w|| = 0
    with pytest.raises(ValueError, match='momentum'):
        LARS([weight], lr=1.0, momentum=1.5)


def test_linear_probing_recipe_builds_mimbench_lars():
    from mmengine.config import Config
    from mmengine.optim import build_optim_wrapper

    import mimbench  # noqa: F401
    from mimbench.transfer import tasks
    cfg = Config.fromfile(tasks.task_config('in1k', 'vit-b', protocol='linear'))
    model = torch.nn.Linear(4, 2)
    cfg.optim_wrapper.type = 'OptimWrapper'
    cfg.optim_wrapper.pop('dtype')
    wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    assert isinstance(wrapper.optimizer, LARS)
    assert wrapper.optimizer.defaults['lr'] == pytest.approx(6.4)
