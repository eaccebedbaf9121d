# The native addon over Secur32.dll. Windows only (MSVC via node-gyp); on every other platform
# the target is empty and nothing is compiled. scripts/build-win-cross.sh builds the same
# sources with mingw-w64 on Linux.
{
  "conditions": [
    ["OS=='win'", {
      "targets": [{
        "target_name": "credssp",
        "sources": [
          "src-native/addon.cc",
          "src-native/attributes.cc",
          "src-native/certificate.cc",
          "src-native/buffers.cc",
          "src-native/context.cc",
          "src-native/credentials.cc",
          "src-native/handles.cc",
          "src-native/impersonation.cc",
          "src-native/message.cc",
          "src-native/packages.cc",
          "src-native/reaper.cc",
          "src-native/secret.cc"
        ],
        "dependencies": ["<!(node -p \"require('node-addon-api').targets\"):node_addon_api_except"],
        "defines": [
          "NAPI_VERSION=8",
          "NODE_ADDON_API_DISABLE_DEPRECATED",
          # A call that completes after its worker thread's environment was torn down cannot
          # throw into JavaScript; node-addon-api then drops the error instead of letting a C++
          # exception escape the callback (which ends the process).
          "NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS",
          "_WIN32_WINNT=0x0A00",
          "WINVER=0x0A00"
        ],
        "libraries": ["secur32.lib", "crypt32.lib", "ncrypt.lib"],
        # Hardening as the kerberos addon and Microsoft's SDL ask: Control Flow Guard,
        # /sdl checks, Spectre mitigations, SHA-256 source hashes, the conversion warnings
        # C4244/C4267 at level 3; ASLR, DEP and (x64) CET shadow-stack compatibility at link.
        "msvs_settings": {
          "VCCLCompilerTool": {
            "ExceptionHandling": 1,
            "BufferSecurityCheck": "true",
            "AdditionalOptions": ["/std:c++17", "/guard:cf", "/sdl", "/Qspectre", "/ZH:SHA_256", "/w34244", "/w34267"]
          },
          "VCLinkerTool": {
            "AdditionalOptions": ["/guard:cf", "/DYNAMICBASE", "/NXCOMPAT"]
          }
        },
        "conditions": [
          ["target_arch=='x64'", {
            "msvs_settings": { "VCLinkerTool": { "AdditionalOptions": ["/CETCOMPAT"] } }
          }]
        ]
      }]
    }, {
      "targets": [{ "target_name": "credssp", "type": "none" }]
    }]
  ]
}
