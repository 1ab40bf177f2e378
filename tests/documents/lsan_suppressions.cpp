// PoDoFo 0.9.8 leaks on some broken inputs (tests/fuzz/podofo-crashes/leaks/),
// which the upload tests replay. Under LeakSanitizer (the ASan build) leaks
// allocated inside PoDoFo or zlib are reported as known; ours still fail.
extern "C" char const* __lsan_default_suppressions() { return "leak:libpodofo.so\nleak:libz.so\n"; }
