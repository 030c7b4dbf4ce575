using System;
using System.Globalization;
using System.Net;

namespace ProtocolSdk.Samples;

/// <summary>
/// The command-line options every sample server shares: <c>--host</c> (default 127.0.0.1, so a sample is not reachable
/// from the network until asked), <c>--port</c> (0 picks a free one) and <c>--stats</c> (one line of metrics a second).
/// Linked into each sample project from samples/Shared.
/// </summary>
internal sealed class ServerOptions(string sampleName, int defaultPort, bool acceptsTls = false)
{
    public const string Usage = "[--host ADDRESS] (default 127.0.0.1; 0.0.0.0 for every interface) [--port N] (0..65535; 0 = a free port) [--stats]";

    public string SampleName { get; } = sampleName;

    public IPAddress Host { get; private set; } = IPAddress.Loopback;

    public int Port { get; private set; } = defaultPort;

    public bool Stats { get; private set; }

    /// <summary><c>--tls</c> or <c>--cert</c> was given (only samples made with TLS support accept them).</summary>
    public bool Tls { get; private set; }

    /// <summary>The PKCS#12 file of <c>--cert</c>; null for a generated development certificate.</summary>
    public string? CertificateFile { get; private set; }

    public IPEndPoint Endpoint => new(Host, Port);

    /// <summary>Parses a sample that has only the shared options; prints the problem and the usage and returns null on a bad argument.</summary>
    public static ServerOptions? Parse(string[] args, string sampleName, int defaultPort, bool acceptsTls = false)
    {
        var options = new ServerOptions(sampleName, defaultPort, acceptsTls);
        try
        {
            for (int i = 0; i < args.Length; i++)
            {
                if (!options.TryRead(args, ref i)) throw new ArgumentException($"unknown argument '{args[i]}'");
            }
            return options;
        }
        catch (ArgumentException ex)
        {
            Console.Error.WriteLine($"{ex.Message}; usage: {sampleName} {Usage}{(acceptsTls ? " " + SampleTls.Usage : "")} (default port {defaultPort})");
            return null;
        }
    }

    /// <summary>Reads the shared option at <c>args[i]</c> (and its value, advancing <paramref name="i"/>); false when it is not one of them.</summary>
    /// <exception cref="ArgumentException">a shared option with a missing or invalid value.</exception>
    public bool TryRead(string[] args, ref int i)
    {
        switch (args[i])
        {
            case "--host":
                Host = ParseHost(Value(args, ref i));
                return true;
            case "--port":
                string port = Value(args, ref i);
                Port = int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out int p) && p <= 65535
                    ? p
                    : throw new ArgumentException($"--port '{port}' is not a port number (0..65535)");
                return true;
            case "--stats":
                Stats = true;
                return true;
            case "--tls" when acceptsTls:
                Tls = true;
                return true;
            case "--cert" when acceptsTls:
                CertificateFile = SampleTls.ExistingFile(Value(args, ref i));
                Tls = true;
                return true;
            default:
                return false;
        }
    }

    /// <summary>An address to type into a client: the wildcard addresses are not connectable, so they become loopback.</summary>
    public static IPAddress Connectable(IPAddress listening) =>
        listening.Equals(IPAddress.Any) ? IPAddress.Loopback
        : listening.Equals(IPAddress.IPv6Any) ? IPAddress.IPv6Loopback
        : listening;

    private static IPAddress ParseHost(string host) =>
        host == "localhost" ? IPAddress.Loopback
        : IPAddress.TryParse(host, out var address) ? address
        : throw new ArgumentException($"--host '{host}' is not an IP address (for example 127.0.0.1, 0.0.0.0 or ::1)");

    private static string Value(string[] args, ref int i) =>
        i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
}
