"""The proxy benchmark (``mimbench proxy``): can the suite tell a pre-trained encoder from a random one?

On the proxy corpus (``mimbench.datasets.proxy``: classes are shapes under random colours, textures,
backgrounds, positions and scales, so random-init features do not solve them), each method is pre-trained for
a fixed iteration budget (``pretraining``), then the pre-trained encoder and a randomly initialised one of the
same family are evaluated with several seeds on linear probing (``probe``), fine-tuning, detection and
segmentation (``transfer``: the suite's own smoke transfer runs), and the difference is reported with a 95%
interval and a p-value (``mimbench.stats``, as ``mimbench compare``). ``benchmark`` ties them together;
``mimbench demo`` runs a shortened form.
"""
