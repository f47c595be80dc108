"""Stacked nets: one small MLP of N runs as the rows of one (N, P) tensor, its batched forward, and Adam over it.

A Stack holds the parameters of N equal nets (the G of N toy runs, or their D, or their EMA of G) as one tensor,
a run's row its parameters end to end in net.parameters() order; each run's own Parameters are views into its
row (param.data = flat[i, a:b].view(shape)), so its Trainer reads and writes the stacked numbers without a copy.
Its Adam state is stacked alike (AdamStack): exp_avg and exp_avg_sq as (N, P), the step count as (N, params),
and the run's optimizer holds views into them too.

The batched forward is baddbmm over the stacked weights, which needs no torch.func; the nets it takes are
nn.Sequential of Linear, elementwise activations and models.dropout.Dropout (the toy-mlp nets: layers() says
why one does not fit). Each run's Dropout masks come from its own generator, drawn by the caller in the order
its Trainer would draw them, and reach the forward as tensors.
"""
from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from ganlib.engine.models.dropout import Dropout

ELEMENTWISE = (nn.ReLU, nn.LeakyReLU, nn.Tanh, nn.Sigmoid, nn.Identity)  # the same on (N, B, w) as on (B, w)


def layers(net: nn.Module) -> list:
    """The forward of net as a plan: ("linear", index of its weight in net.parameters(), its bias next),
    ("dropout", width) or ("map", module). ValueError when net is not a Sequential of such layers (net.net or net)."""
    seq, params = getattr(net, "net", net), list(net.parameters())
    if not isinstance(seq, nn.Sequential):
        raise ValueError(f"{type(net).__name__}: a class ensemble stacks nn.Sequential nets only")
    plan, used, width = [], [], 0
    for m in seq:
        if isinstance(m, nn.Linear) and m.bias is not None:
            plan.append(("linear", len(used)))
            used += [m.weight, m.bias]
            width = m.out_features
        elif isinstance(m, Dropout):
            plan.append(("dropout", width))
        elif isinstance(m, ELEMENTWISE):
            plan.append(("map", m))
        else:
            raise ValueError(f"{type(net).__name__}: a class ensemble cannot stack its {type(m).__name__}")
    if len(used) != len(params) or any(a is not b for a, b in zip(used, params)) or any(True for _ in net.buffers()):
        raise ValueError(f"{type(net).__name__}: its parameters are not only its layers' weights and biases")
    return plan


def forward(plan: list, params: list[torch.Tensor], x: torch.Tensor, masks=(), tape: list | None = None) -> torch.Tensor:
    """x (N, B, in) through N nets of the plan, their parameters stacked (Stack.leaves): (N, B, out). masks: one
    (N, B, width) per Dropout layer, in order (keep_mask's 1 / (1 - p) or 0); none where p is 0, as Dropout does.
    tape: a list that gets what backward() needs, for a gradient taken by hand rather than by autograd."""
    masks = iter(masks)
    for kind, a in plan:
        if kind == "linear":
            if tape is not None:
                tape.append((kind, a, x))
            x = torch.baddbmm(params[a + 1].unsqueeze(1), x, params[a].transpose(1, 2))
            continue
        if kind == "dropout":
            mask = next(masks, None)
            x = x if mask is None else x * mask
            if tape is not None and mask is not None:
                tape.append((kind, a, mask))
            continue
        # the activations in place on baddbmm's new output (its backward needs only its inputs; theirs, the sign of
        # their result): half as many new (N, B, width) tensors, whose pages the allocator faults in afresh each
        # step. class-ring8, N = 30 on the busy 2 cores, 3 runs each: 2,500-3,000 minor page faults a step
        # became 760-1,460, and 11.9-15.1 ms a step 10.2-12.0 ms
        if isinstance(a, nn.LeakyReLU):
            x = F.leaky_relu_(x, a.negative_slope)
        elif isinstance(a, nn.ReLU):
            x = F.relu_(x)
        else:
            x = a(x)
        if tape is not None:
            tape.append((kind, a, x))
    return x


def backward(params: list[torch.Tensor], tape: list, grad: torch.Tensor, weights: bool = True,
             inputs: bool = False) -> tuple[list, torch.Tensor | None]:
    """The gradient autograd would give through forward()'s nets, by hand from its tape: grad is the loss's for
    their output (N, B, out); returns the parameters' (as params, None each without weights) and the input's
    (None without inputs). Without autograd's graph, class-ring8's batched step at N = 30 took 8% less time,
    the same numbers to the last bit (measured); the penalties' double backward still needs autograd."""
    grads = [None] * len(params)
    for i in range(len(tape) - 1, -1, -1):
        kind, a, saved = tape[i]
        if kind == "linear":
            if weights:
                # the product over the batch with its thin side first: D's first layer (2 inputs, 64 outputs) took
                # 290 us as grad^T @ x and 47 us as (x^T @ grad)^T at N = 30, batch 128, the same bits (measured)
                thin = saved.size(-1) < grad.size(-1)
                grads[a] = (torch.bmm(saved.transpose(1, 2), grad).transpose(1, 2) if thin
                            else torch.bmm(grad.transpose(1, 2), saved))
                grads[a + 1] = grad.sum(1)
            if i == 0 and not inputs:
                return grads, None
            # from one output (D's logit) the product is an outer one: bmm took 630 us of it at N = 30, batch 128,
            # against ~100 us broadcast (measured), the same products and no sums
            grad = grad * params[a] if grad.size(-1) == 1 else torch.bmm(grad, params[a])
        elif kind == "dropout":
            grad = grad * saved
        else:   # in place on a gradient made here (not the caller's), a new (N, B, width) tensor fewer a layer
            grad = activation_grad(a, grad, saved, into=grad if i < len(tape) - 1 else None)
    return grads, grad if inputs else None


def activation_grad(module: nn.Module, grad: torch.Tensor, out: torch.Tensor,
                    into: torch.Tensor | None = None) -> torch.Tensor:
    """An ELEMENTWISE module's backward, from its output (what autograd saves for each of them); into: where
    (Leaky)ReLU's may write it (grad itself: each element reads only its own)."""
    if isinstance(module, nn.LeakyReLU):
        if into is not None:
            return torch.ops.aten.leaky_relu_backward.grad_input(grad, out, module.negative_slope, True,
                                                                 grad_input=into)
        return torch.ops.aten.leaky_relu_backward(grad, out, module.negative_slope, True)
    if isinstance(module, nn.ReLU):
        if into is not None:
            return torch.ops.aten.threshold_backward.grad_input(grad, out, 0, grad_input=into)
        return torch.ops.aten.threshold_backward(grad, out, 0)
    if isinstance(module, nn.Tanh):
        return torch.ops.aten.tanh_backward(grad, out)
    if isinstance(module, nn.Sigmoid):
        return torch.ops.aten.sigmoid_backward(grad, out)
    return grad   # nn.Identity


def point(tensors: list[torch.Tensor], row: torch.Tensor) -> list[torch.Tensor]:
    """Views into row (P,) with the shapes of tensors, end to end."""
    views, at = [], 0
    for t in tensors:
        views.append(row[at:at + t.numel()].view(t.shape))
        at += t.numel()
    return views


def own(tensor: torch.Tensor) -> torch.Tensor:
    """tensor in storage of its own: a run that leaves a stack keeps its numbers, not views of the others'."""
    return tensor.detach().clone()


def own_state(net: nn.Module, opt: torch.optim.Optimizer | None = None) -> list:
    """Make net's state_dict (and opt's) hold copies of a stacked run's tensors, not views: torch.save and
    copy.deepcopy of a view keep its whole storage, so a checkpoint of one run of 30 class-ring8 runs held all
    30 runs' weights (2.7 MB against 114 KB alone, measured). Returns the hooks' handles (remove() ends them)."""
    def module_hook(module, state, prefix, local_metadata):
        for key, value in state.items():
            if key.startswith(prefix) and torch.is_tensor(value):
                state[key] = own(value)

    def optimizer_hook(optimizer, state):
        state["state"] = {k: {name: own(v) if torch.is_tensor(v) else v for name, v in s.items()}
                          for k, s in state["state"].items()}
        return state
    handles = [net.register_state_dict_post_hook(module_hook)]
    return handles + ([opt.register_state_dict_post_hook(optimizer_hook)] if opt is not None else [])


class Stack:
    """The same net of N runs: flat (N, P), each run's Parameters views into its row."""

    def __init__(self, nets: list[nn.Module]):
        self.nets = nets
        self.plan = layers(nets[0])
        self.shapes = [p.shape for p in nets[0].parameters()]
        self.flat = torch.stack([torch.cat([p.detach().reshape(-1) for p in net.parameters()]) for net in nets])
        for net, row in zip(nets, self.flat):
            for p, view in zip(net.parameters(), point(list(net.parameters()), row)):
                p.data = view

    def leaves(self, flat: torch.Tensor, grad: bool = True) -> list[torch.Tensor]:
        """flat's (N, P) as each parameter's (N, *shape), views into it; with grad, leaves for autograd (one per
        parameter: a slice of one leaf of flat cost a zeroed (N, P) gradient per parameter in its backward)."""
        n, views, at = len(flat), [], 0
        for shape in self.shapes:
            views.append(flat[:, at:at + shape.numel()].view(n, *shape).detach().requires_grad_(grad))
            at += shape.numel()
        return views

    @staticmethod
    def flat_grad(loss: torch.Tensor, leaves: list[torch.Tensor]) -> torch.Tensor:
        """The gradient of loss for leaves, as their flat (N, P)."""
        return Stack.flat(torch.autograd.grad(loss, leaves))

    @staticmethod
    def flat(grads) -> torch.Tensor:
        """Each parameter's (N, *shape) gradient, end to end as the stack's (N, P)."""
        return torch.cat([g.flatten(1) for g in grads], 1)

    @staticmethod
    def release(net: nn.Module) -> None:
        """net's Parameters back in storage of their own."""
        for p in net.parameters():
            p.data = own(p.data)


class AdamStack:
    """The state of N runs' torch.optim.Adam over a Stack's nets: exp_avg and exp_avg_sq (N, P), and each
    parameter's step count (N, params); each run's optimizer state holds views into them, so that it goes on
    alone from where the stack left it. A never-stepped optimizer starts at zeros, as Adam's own first step."""

    def __init__(self, opts: list[torch.optim.Adam], stack: Stack):
        for opt in opts:
            group = opt.param_groups[0]
            if len(opt.param_groups) > 1 or group["weight_decay"] or group["amsgrad"] or group["maximize"]:
                raise ValueError("a class ensemble reproduces plain Adam: one group, no weight decay, no amsgrad")
        self.opts = opts
        n, p = stack.flat.shape
        params = [list(net.parameters()) for net in stack.nets]
        self.exp_avg, self.exp_avg_sq = stack.flat.new_zeros(n, p), stack.flat.new_zeros(n, p)
        # float32 as fused Adam keeps it; one count per parameter, as Adam steps each (one shared count would be
        # incremented once per parameter by a Trainer that steps alone while in the stack)
        self.steps = torch.zeros(n, len(params[0]), dtype=torch.float32, device=stack.flat.device)
        for i, (opt, ps) in enumerate(zip(opts, params)):
            for j, p in enumerate(ps):
                state = opt.state.get(p) or {}
                if state:
                    self.steps[i, j] = float(state["step"])
            stepped = bool(opt.state.get(ps[0]))
            for name, table in (("exp_avg", self.exp_avg), ("exp_avg_sq", self.exp_avg_sq)):
                if stepped:
                    table[i] = torch.cat([opt.state[p][name].detach().reshape(-1) for p in ps])
                for p, view in zip(ps, point(ps, table[i])):
                    opt.state[p][name] = view
            for j, p in enumerate(ps):
                opt.state[p]["step"] = self.steps[i, j]
        self.first = [opt.state[ps[0]]["exp_avg"] for opt, ps in zip(opts, params)]

    def stale(self) -> bool:
        """Whether a run's optimizer no longer holds this stack's views (a Trainer.load_state_dict replaces them)."""
        return any(opt.state.get(opt.param_groups[0]["params"][0], {}).get("exp_avg") is not first
                   for opt, first in zip(self.opts, self.first))

    @staticmethod
    def release(opt: torch.optim.Adam) -> None:
        """opt's state back in storage of its own."""
        for state in opt.state.values():
            for name, value in state.items():
                if torch.is_tensor(value):
                    state[name] = own(value)

    def hyper(self, rows: list[int]) -> torch.Tensor:
        """lr, beta1, beta2, eps of the runs at rows, as each one's optimizer has them now: (len(rows), 4) float64."""
        groups = [self.opts[i].param_groups[0] for i in rows]
        table = [[g["lr"], *g["betas"], g["eps"]] for g in groups]
        return torch.tensor(table, dtype=torch.float64, device=self.exp_avg.device)


@torch.no_grad()
def adam(flat, grad, exp_avg, exp_avg_sq, steps, hyper) -> None:
    """torch.optim.Adam's step (no weight decay, no amsgrad), for N runs at once, in place, with its fused kernel's
    arithmetic: lerp for exp_avg, the bias corrections in float64. hyper: (N, 4) lr, beta1, beta2, eps (float64)."""
    steps += 1
    lr, beta1, beta2, eps = hyper.unbind(1)
    step = steps[:, 0].double()
    # each run's coefficients as columns that scale its row: 1 - beta1, beta2, 1 - beta2, the bias corrections
    c = torch.stack([1 - beta1, beta2, 1 - beta2, (1 - beta2 ** step).sqrt(), eps, lr / (1 - beta1 ** step)], 1)
    c = c.to(flat.dtype).unsqueeze(2)
    # in place where the same roundings allow it: 7 new (N, P) tensors a step became 3
    exp_avg.lerp_(grad, c[:, 0])
    exp_avg_sq.mul_(c[:, 1]).addcmul_(grad, c[:, 2] * grad)
    denom = exp_avg_sq.sqrt().div_(c[:, 3]).add_(c[:, 4])
    flat.addcdiv_(c[:, 5] * exp_avg, denom, value=-1)
