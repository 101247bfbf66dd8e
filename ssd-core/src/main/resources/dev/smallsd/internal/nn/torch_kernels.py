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
  def sdpa(self: __torch__.TorchKernels, q: Tensor, k: Tensor, v: Tensor, scale: float) -> Tensor:
    return torch.scaled_dot_product_attention(q, k, v, None, 0., False, scale=scale)
  def sdpa_masked(self: __torch__.TorchKernels, q: Tensor, k: Tensor, v: Tensor, mask: Tensor, scale: float) -> Tensor:
    return torch.scaled_dot_product_attention(q, k, v, mask, 0., False, scale=scale)
  def group_norm(self: __torch__.TorchKernels, x: Tensor, weight: Tensor, bias: Tensor, groups: int, eps: float) -> Tensor:
    return torch.group_norm(x, groups, weight, bias, eps)
  def to_channels_last(self: __torch__.TorchKernels, x: Tensor) -> Tensor:
    return torch.contiguous(x, memory_format=2)
