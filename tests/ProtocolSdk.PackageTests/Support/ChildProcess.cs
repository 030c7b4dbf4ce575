using System.Diagnostics;
using System.Text;

namespace ProtocolSdk.PackageTests.Support;

/// <summary>The result of one child process: exit code and the interleaved stdout + stderr text.</summary>
public sealed record ChildResult(string Command, int ExitCode, string Output, TimeSpan Elapsed)
{
    /// <summary>The output's last <paramref name="chars"/> characters, for assertion messages.</summary>
    public string Tail(int chars = 6000) => Output.Length <= chars ? Output : "…" + Output[^chars..];

    public string Describe() => $"`{Command}` exited {ExitCode} after {Elapsed.TotalSeconds:F1} s:\n{Tail()}";
}

/// <summary>
/// Runs <c>dotnet</c> as a child process with a hard timeout. On timeout the child and everything it started are
/// killed through its own PID (<see cref="Process.Kill(bool)"/> on the process tree), never by name.
/// Build servers are switched off (no node reuse, no shared compiler, no MSBuild server) so nothing outlives the call.
/// </summary>
public static class ChildProcess
{
    public static string DotnetPath =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";

    public static ChildResult RunDotnet(string workingDirectory, TimeSpan timeout, IReadOnlyDictionary<string, string>? environment, params string[] arguments)
    {
        var psi = new ProcessStartInfo(DotnetPath)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (string argument in arguments)
        {
            psi.ArgumentList.Add(argument);
        }

        // The test host runs under `dotnet test`, which leaves MSBuild/VSTest variables behind; a nested build must
        // start from a clean slate or it may pick up the outer build's SDK paths and settings.
        foreach (string key in psi.Environment.Keys.ToList())
        {
            if (key.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase) || key.StartsWith("VSTEST", StringComparison.OrdinalIgnoreCase))
            {
                psi.Environment.Remove(key);
            }
        }
        psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        psi.Environment["DOTNET_NOLOGO"] = "1";
        psi.Environment["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1";
        psi.Environment["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0";
        psi.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        psi.Environment["UseSharedCompilation"] = "false"; // no VBCSCompiler server left running
        if (environment is not null)
        {
            foreach (var (key, value) in environment)
            {
                psi.Environment[key] = value;
            }
        }

        string command = "dotnet " + string.Join(' ', arguments);
        var output = new StringBuilder();
        var stopwatch = Stopwatch.StartNew();
        using var process = new Process { StartInfo = psi };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.Start();
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        if (!process.WaitForExit(timeout))
        {
            try
            {
                process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
                // exited between the timeout and the kill
            }
            process.WaitForExit(TimeSpan.FromSeconds(30));
            lock (output)
            {
                throw new TimeoutException($"`{command}` did not finish within {timeout.TotalSeconds:F0} s and was killed (pid {process.Id}).\n{output}");
            }
        }
        process.WaitForExit(); // drain the asynchronous output readers

        lock (output)
        {
            return new ChildResult(command, process.ExitCode, output.ToString(), stopwatch.Elapsed);
        }
    }
}
