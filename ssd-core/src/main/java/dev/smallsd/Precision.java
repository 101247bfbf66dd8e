package dev.smallsd;

/**
 * The number format the UNet and the VAE hold their weights in and compute in ({@link
 * SmallStableDiffusion.Builder#precision}). The latents, the scheduler's arithmetic, the text encoder and the safety
 * checker are float32 in both modes.
 */
public enum Precision {
    /** IEEE float32 everywhere: reproduces diffusers' float32 outputs within the golden tolerances (the default). */
    FP32,
    /**
     * bfloat16 weights and activations inside the UNet and the VAE (as diffusers with {@code
     * torch_dtype=torch.bfloat16}): half the weight memory and libtorch's bfloat16 (oneDNN) kernels. The latents
     * enter each network converted to bfloat16 and its output is converted back to float32 before guidance, the
     * scheduler step and the image conversion. Images differ slightly from float32 ones (bfloat16 keeps 8 bits of
     * mantissa; the measured differences are in the README). Needs libtorch's TorchScript kernel module
     * ({@code build()} fails when it cannot be loaded).
     */
    BF16
}
