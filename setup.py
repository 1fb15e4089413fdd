"""The C extensions (the PDQ index kernels, src/tutela/matching/_mih.c, and the JPEG plane decoder,
src/tutela/hashing/_jpeg_planes.c, which links the system libjpeg); everything else is in pyproject.toml.

Built by ``pip install -e .`` (scripts/setup). A machine without a C compiler or the Python headers gets one line
saying what to install instead of a compiler trace.
"""

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext


class BuildKernels(build_ext):
    def run(self) -> None:
        try:
            super().run()
        except Exception as error:  # CompileError, LinkError, PlatformError: all mean the same to the installer
            raise SystemExit(
                f"tutela: cannot build its C extensions (src/tutela/matching/_mih.c, "
                f"src/tutela/hashing/_jpeg_planes.c): {error}\n"
                "tutela needs a C compiler, the Python headers and libjpeg's: on Debian "
                "`apt-get install gcc python3-dev libjpeg62-turbo-dev`, then run scripts/setup again"
            ) from None


setup(
    ext_modules=[
        Extension("tutela.matching._mih", ["src/tutela/matching/_mih.c"], extra_compile_args=["-O3"]),
        Extension("tutela.hashing._pdq", ["src/tutela/hashing/_pdq.c"], extra_compile_args=["-O3"]),
        Extension("tutela.hashing._shrink", ["src/tutela/hashing/_shrink.c"], extra_compile_args=["-O3"]),
        Extension("tutela.hashing._borders", ["src/tutela/hashing/_borders.c"], extra_compile_args=["-O3"]),
        Extension("tutela.hashing._jpeg_planes", ["src/tutela/hashing/_jpeg_planes.c"], libraries=["jpeg"],
                  extra_compile_args=["-O2"]),
    ],
    cmdclass={"build_ext": BuildKernels},
)
