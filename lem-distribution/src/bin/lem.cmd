@echo off
rem The lem command, from the LEM distribution (Windows): lem run my.yaml, lem --help
rem
rem Needs Java 17 or newer: %JAVA_HOME%\bin\java.exe, else the java.exe on the PATH.
rem   JAVA_OPTS    passed to the JVM, e.g. set JAVA_OPTS=-Xmx8g
rem   DJL_OFFLINE  true (default): DJL downloads nothing. The PyTorch library in lib\ is for Linux x86_64, so on
rem                Windows set DJL_OFFLINE=false once to let DJL download the one this machine needs.
rem --enable-native-access=ALL-UNNAMED is accepted by every Java from 17 on and silences Java 21+'s warning
rem when JNA (NVML) and DJL (PyTorch) load native code.
setlocal
set "LEM_HOME=%~dp0.."
if defined JAVA_HOME (
  set "LEM_JAVA=%JAVA_HOME%\bin\java.exe"
) else (
  set "LEM_JAVA=java.exe"
)
if not defined DJL_OFFLINE set "DJL_OFFLINE=true"
"%LEM_JAVA%" %JAVA_OPTS% --enable-native-access=ALL-UNNAMED -Dai.djl.offline=%DJL_OFFLINE% -cp "%LEM_HOME%\lib\*" dev.lem.cli.LemCommand %*
exit /b %ERRORLEVEL%
