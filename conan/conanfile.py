# SPDX-License-Identifier: Apache-2.0
# Builds hookd with Conan 2 instead of Debian's packages. The same CMakeLists.txt serves both:
# it only uses find_package(), and CMakeDeps generates the config files it looks for.
#   conan install conan --output-folder=build/conan --build=missing -s compiler.cppstd=20
#   cmake -S . -B build/conan -DCMAKE_TOOLCHAIN_FILE=build/conan/conan_toolchain.cmake -DCMAKE_BUILD_TYPE=Release
#   cmake --build build/conan
from conan import ConanFile
from conan.tools.cmake import cmake_layout


class HookdConan(ConanFile):
    name = "hookd"
    settings = "os", "compiler", "build_type", "arch"
    generators = "CMakeDeps", "CMakeToolchain"
    options = {"static": [True, False]}
    default_options = {
        "static": True,
        "boost/*:header_only": False,
        "boost/*:without_json": False,
        "openssl/*:shared": False,
    }

    def requirements(self):
        self.requires("boost/1.81.0")
        self.requires("openssl/[>=3.0 <4]")

    def build_requirements(self):
        self.test_requires("gtest/1.12.1")
        self.test_requires("benchmark/1.7.1")
        self.tool_requires("cmake/[>=3.25]")
