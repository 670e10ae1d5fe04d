"""The sandbox image recipe, the in-container worker and the protocol it speaks with the host.

Shipped inside the latm package as ``latm.sandbox.recipe`` so an installed latm can build its
own image. Nothing here imports latm: the worker runs inside the container on the standard library,
and the host imports only ``protocol``.
"""
