__version__ = "0.0.1"

# The front door: the names most programs need. Everything else stays reachable by module (`ddim_nb.inversion`, …).
from .ddim import DDIM, decode, randn_latents
from .pretrained import available, load, load_checkpoint
from .data import load_data, load_images, to_model_range
from .inversion import METHODS, invert, reconstruct
from .interpolation import interpolate_images, interpolate_latents, lerp, slerp
from .editing import edit, edit_real, fit_boundaries, generate_pairs, label_pairs, attribute_classifier
from .metrics import psnr, ssim, evaluate_fid
from .train import TrainConfig          # `train` itself: `from ddim_nb.train import train` (the name is the module's)
