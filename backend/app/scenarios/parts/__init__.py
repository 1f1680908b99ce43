"""Physical parts of a pod and its machine: motor current, pod battery, GPS, radio, tags."""
