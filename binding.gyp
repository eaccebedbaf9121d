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
          "_WIN32_WINNT=0x0A00",
          "WINVER=0x0A00"
        ],
        "libraries": ["secur32.lib", "crypt32.lib", "ncrypt.lib"],
        "msvs_settings": {
          "VCCLCompilerTool": {
            "AdditionalOptions": ["/std:c++17"]
          }
        }
      }]
    }, {
      "targets": [{ "target_name": "credssp", "type": "none" }]
    }]
  ]
}
