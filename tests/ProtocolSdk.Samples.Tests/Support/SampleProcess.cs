using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Threading.Channels;

namespace ProtocolSdk.Samples.Tests.Support;

/// <summary>
/// A sample started as its user starts it (<c>dotnet Sample.dll ARGS</c>, from the copy this test project's build puts next
/// to the tests), with its stdout and stderr as line streams. Disposing kills it, by its PID, if it is still running.
/// </summary>
internal sealed class SampleProcess : IDisposable
{
    private readonly Process _process;
    private readonly Channel<string> _stdout = Channel.CreateUnbounded<string>();
    private readonly List<string> _stderr = [];
    private readonly TaskCompletionSource _stderrClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private SampleProcess(string sample, string[] arguments)
    {
        string dll = Path.Combine(AppContext.BaseDirectory, sample + ".dll");
        Assert.True(File.Exists(dll), $"{dll} not found: the test project must reference the sample project");
        var psi = new ProcessStartInfo(DotnetPath)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add(dll);
        foreach (var argument in arguments) psi.ArgumentList.Add(argument);
        _process = new Process { StartInfo = psi };
        _process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null) _stdout.Writer.TryComplete();
            else _stdout.Writer.TryWrite(e.Data);
        };
        _process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null) _stderrClosed.TrySetResult();
            else lock (_stderr) _stderr.Add(e.Data);
        };
        _process.Start();
        _process.StandardInput.Close(); // as under a service manager: no interactive stdin
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public static SampleProcess Start(string sample, params string[] arguments) => new(sample, arguments);

    public static string DotnetPath =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";

    public int Id => _process.Id;

    /// <summary>The next stdout line matching <paramref name="predicate"/>; fails after <paramref name="timeout"/> or at end of output.</summary>
    public async Task<string> WaitForLineAsync(Func<string, bool> predicate, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        var seen = new List<string>();
        try
        {
            await foreach (var line in _stdout.Reader.ReadAllAsync(cts.Token))
            {
                if (predicate(line)) return line;
                seen.Add(line);
            }
        }
        catch (OperationCanceledException)
        {
        }
        throw new Xunit.Sdk.XunitException($"no matching line within {timeout.TotalSeconds} s; stdout so far:\n{string.Join("\n", seen)}\nstderr:\n{StandardError}");
    }

    /// <summary>Waits for exit (and for stderr to be read to its end); returns the exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
            await _stderrClosed.Task.WaitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            throw new Xunit.Sdk.XunitException($"the sample did not exit within {timeout.TotalSeconds} s; stderr:\n{StandardError}");
        }
        return _process.ExitCode;
    }

    public string StandardError
    {
        get
        {
            lock (_stderr) return string.Join("\n", _stderr);
        }
    }

    /// <summary>A crash: SIGKILL (<c>kill -9 PID</c>), no shutdown code runs.</summary>
    public void KillHard() => Assert.Equal(0, Kill(_process.Id, Sigkill));

    /// <summary>What a service manager (or <c>kill PID</c>) sends to stop it.</summary>
    public void SendSigterm() => Assert.Equal(0, Kill(_process.Id, Sigterm));

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
        }
        _process.Dispose();
    }

    private const int Sigterm = 15;
    private const int Sigkill = 9;

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}
