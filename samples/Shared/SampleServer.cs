using System;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;

namespace ProtocolSdk.Samples;

/// <summary>
/// What every sample server does around its protocol: listen (a failure is one line on stderr and exit code 1, never a
/// stack trace), print an address the user can paste, optionally print stats, and serve until Ctrl+C or SIGTERM.
/// </summary>
internal static class SampleServer
{
    /// <summary>
    /// The samples' server settings: defaults, plus a one-line console logger, so every policy decision (a refused
    /// connection, a line over MaxLength, a peer that never reads) leaves a line on the server's console.
    /// </summary>
    public static ProtocolServerOptions ProtocolOptions { get; } = new()
    {
        LoggerFactory = LoggerFactory.Create(logging => logging
            .AddSimpleConsole(console => { console.SingleLine = true; console.TimestampFormat = "HH:mm:ss "; })
            .SetMinimumLevel(LogLevel.Information)),
    };

    /// <summary>Exit code when the server could not listen (bad arguments are 2).</summary>
    public const int ListenFailed = 1;

    /// <param name="options">the parsed shared options.</param>
    /// <param name="listen">starts the sample's server on the endpoint.</param>
    /// <param name="tryCommand">a client command line for the connectable address and port, e.g. <c>nc 127.0.0.1 7010</c>.</param>
    /// <param name="whileServing">optional work that runs until the server is asked to stop (its token is then cancelled).</param>
    public static async Task<int> RunAsync(
        ServerOptions options,
        Func<IPEndPoint, Task<ProtocolServer>> listen,
        Func<IPEndPoint, string> tryCommand,
        Func<CancellationToken, Task>? whileServing = null)
    {
        var server = await TryListenAsync(options.SampleName, options.Endpoint, listen);
        if (server is null) return ListenFailed;
        await using (server)
        {
            var local = server.LocalEndPoint;
            var connectTo = new IPEndPoint(ServerOptions.Connectable(local.Address), local.Port);
            // The handlers first: whoever reads the line below may stop the server at once, and must get an orderly stop.
            using var stop = new CancellationTokenSource();
            using var onInterrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
            using var onTerminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
            Console.WriteLine($"{options.SampleName} listening on {local}; try: {tryCommand(connectTo)}   (Ctrl+C stops)");
            using var stats = options.Stats ? StatsPrinter.Start(Console.Out, TimeSpan.FromSeconds(1)) : null;
            var serving = whileServing?.Invoke(stop.Token) ?? Task.CompletedTask;
            try
            {
                await Task.Delay(Timeout.Infinite, stop.Token);
            }
            catch (OperationCanceledException)
            {
            }
            await serving;
            Console.WriteLine($"Stopping; closing {server.ConnectionCount} connection(s).");

            void Stop(PosixSignalContext context)
            {
                context.Cancel = true; // shut down in order (the await using above) instead of being killed
                stop.Cancel();
            }
        }
        return 0;
    }

    /// <summary>Listens, or prints why not in one line naming the endpoint and returns null.</summary>
    public static async Task<ProtocolServer?> TryListenAsync(string sampleName, IPEndPoint endpoint, Func<IPEndPoint, Task<ProtocolServer>> listen)
    {
        try
        {
            return await listen(endpoint);
        }
        catch (Exception ex) when (ex is IOException or SocketException) // IOException from the SDK; a bare SocketException for safety
        {
            Console.Error.WriteLine($"{sampleName}: cannot listen on {endpoint}: {Explain(ex)}");
            return null;
        }
    }

    /// <summary>A reason a user can act on, from the socket error inside (the SDK's IOException carries it as InnerException).</summary>
    public static string Explain(Exception listenFailure)
    {
        var socketError = listenFailure as SocketException ?? listenFailure.InnerException as SocketException;
        return socketError?.SocketErrorCode switch
        {
            SocketError.AddressAlreadyInUse => "the port is already in use (another server running? pick another with --port N, or --port 0 for a free one)",
            SocketError.AddressNotAvailable => "that address is not one of this machine's (see --host)",
            SocketError.AccessDenied => "permission denied (ports below 1024 need privileges; pick another with --port N)",
            _ => FirstLine(socketError?.Message ?? listenFailure.Message),
        };
    }

    private static string FirstLine(string message)
    {
        int newline = message.IndexOfAny(['\r', '\n']);
        return newline < 0 ? message : message[..newline];
    }
}
