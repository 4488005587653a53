"""Training of the plate-specific recogniser (needs PyTorch; not imported at run time).

python -m cameras.recognition.training.train --help
"""
