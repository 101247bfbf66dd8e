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
  # Multi-head attention on projected [B, N, heads*d] inputs: split the heads (views), fused attention, merge them.
  def attention(self: __torch__.TorchKernels, q: Tensor, k: Tensor, v: Tensor, heads: int, scale: float) -> Tensor:
    o = torch.scaled_dot_product_attention(self._heads(q, heads), self._heads(k, heads), self._heads(v, heads), None, 0., False, scale=scale)
    return self._merge(o, q)
  # The same with an additive [Nq, Nk] mask on the scores (CLIP text's causal mask).
  def attention_masked(self: __torch__.TorchKernels, q: Tensor, k: Tensor, v: Tensor, mask: Tensor, heads: int, scale: float) -> Tensor:
    o = torch.scaled_dot_product_attention(self._heads(q, heads), self._heads(k, heads), self._heads(v, heads), mask, 0., False, scale=scale)
    return self._merge(o, q)
  # [B, N, heads*d] -> [B, heads, N, d] (a strided view)
  def _heads(self: __torch__.TorchKernels, x: Tensor, heads: int) -> Tensor:
    return torch.transpose(torch.reshape(x, [torch.size(x, 0), torch.size(x, 1), heads, -1]), 1, 2)
  # [B, heads, N, d] -> [B, N, heads*d], shaped like the queries
  def _merge(self: __torch__.TorchKernels, o: Tensor, q: Tensor) -> Tensor:
    return torch.reshape(torch.transpose(o, 1, 2), torch.size(q))
  def group_norm(self: __torch__.TorchKernels, x: Tensor, weight: Tensor, bias: Tensor, groups: int, eps: float) -> Tensor:
    return torch.group_norm(x, groups, weight, bias, eps)
  # GroupNorm then SiLU, the activation applied in place on the normalised values.
  def group_norm_silu(self: __torch__.TorchKernels, x: Tensor, weight: Tensor, bias: Tensor, groups: int, eps: float) -> Tensor:
    return torch.silu_(torch.group_norm(x, groups, weight, bias, eps))
  # Tokens [N, H*W, C] back to the map [N, C, H, W] they were flattened from, in the map's layout: a view with
  # channels-last strides when the map is channels-last (so the next ops keep that layout), else the usual view.
  def tokens_to_map(self: __torch__.TorchKernels, x: Tensor, like: Tensor) -> Tensor:
    if torch.is_contiguous(like, memory_format=2):
      n, c, h, w = torch.size(like)
      return torch.permute(torch.reshape(x, [n, h, w, c]), [0, 3, 1, 2])
    return torch.reshape(torch.transpose(x, 1, 2), torch.size(like))
  # The same values in channels-last (NHWC) memory order, shape unchanged; convolutions then skip their reorders.
  def to_channels_last(self: __torch__.TorchKernels, x: Tensor) -> Tensor:
    return torch.contiguous(x, memory_format=2)
