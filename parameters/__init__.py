"""Parameter files shipped with bonemodel (installed as the package ``bonemodel.parameter_files``)."""
