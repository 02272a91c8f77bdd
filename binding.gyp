{
  "targets": [{
    "target_name": "node_peft",
    "sources": ["<!@(node scripts/find-libtorch.js --sources)"],
    "include_dirs": [
      "<!(node -p \"require('path').dirname(require.resolve('node-addon-api/napi.h'))\")",
      "<!@(node scripts/find-libtorch.js --include)"
    ],
    "defines": [
      "NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS", "NODE_ADDON_API_DISABLE_DEPRECATED",
      "NODE_PEFT_VERSION=\"<!(node -p \"require('./package.json').version\")\"",
      "<!@(node scripts/find-libtorch.js --defines)"
    ],
    "cflags!": ["-fno-exceptions", "-fno-rtti"],
    "cflags_cc!": ["-fno-exceptions", "-fno-rtti", "-std=gnu++17", "-std=gnu++14"],
    "cflags_cc": ["-std=c++17", "-fexceptions", "-O2", "-Wno-unused-parameter"],
    "libraries": [
      "-L<!(node scripts/find-libtorch.js --libdir)",
      "<!@(node scripts/find-libtorch.js --libs)",
      "-Wl,-rpath,<!(node scripts/find-libtorch.js --libdir)"
    ]
  }]
}
