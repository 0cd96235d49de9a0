"""Collection: turn files, WARCs, URLs and packaged corpora into raw inputs."""
