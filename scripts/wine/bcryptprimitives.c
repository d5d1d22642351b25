/* Test-only: Wine 8.0 has no bcryptprimitives.dll, whose ProcessPrng
   Rust's std on Windows calls for randomness. This stand-in forwards it to
   RtlGenRandom (advapi32's SystemFunction036), which Wine has. */
#include <windows.h>
BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);
__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len) { return SystemFunction036(data, (ULONG)len); }
