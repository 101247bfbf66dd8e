class TorchKernels(Module):
  __parameters__ = []
  __buffers__ = []
  training : bool
  # TorchScript source compiled by libtorch when dev.smallsd.internal.nn.TorchKernels loads it (no Python involved).
  # Serialized-TorchScript dialect: dtypes are their c10::ScalarType numbers (6 = float32, 15 = bfloat16),
  # memory formats theirs (0 = contiguous, 2 = channels_last). One method per operation DJL's JNI lacks.
  def to_bf16(self: __torch__.TorchKernels, x: Tensor) -> Tensor:
    return torch.to(x, 15)
  def to_f32(self: __torch__.TorchKernels, x: Tensor) -> Tensor:
    return torch.to(x, 6)
  # x / d for a bfloat16 x: DJL would build the scalar operand in x's dtype, which it cannot name
  def div_scalar(self: __torch__.TorchKernels, x: Tensor, d: float) -> Tensor:
    return torch.div(x, d)
  # bytes per element of x's dtype (4 for float32, 2 for bfloat16), as a one-element int64 tensor
  def element_size(self: __torch__.TorchKernels, x: Tensor) -> Tensor:
    return torch.tensor([torch.element_size(x)])
  def sdpa(self: __torch__.TorchKernels, q: Tensor, k: Tensor, v: Tensor, scale: float) -> Tensor:
    return torch.scaled_dot_product_attention(q, k, v, None, 0., False, scale=scale)
  def sdpa_masked(self: __torch__.TorchKernels, q: Tensor, k: Tensor, v: Tensor, mask: Tensor, scale: float) -> Tensor:
    return torch.scaled_dot_product_attention(q, k, v, mask, 0., False, scale=scale)
  def group_norm(self: __torch__.TorchKernels, x: Tensor, weight: Tensor, bias: Tensor, groups: int, eps: float) -> Tensor:
    return torch.group_norm(x, groups, weight, bias, eps)
