using System;
using System.Globalization;
using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ProtocolSdk.Hosting;

/// <summary>Registers ProtocolSdk servers as hosted services.</summary>
public static class ProtocolServerServiceCollectionExtensions
{
    /// <summary>
    /// Runs a <typeparamref name="TProtocol"/> server in the host: it listens on every configured endpoint
    /// (127.0.0.1:7000 when none) when the host starts and closes every connection when it stops. Inject
    /// <see cref="ProtocolServerHost{TProtocol}"/> to read the bound endpoints. Logs go to the container's
    /// <see cref="ILoggerFactory"/>; a registered <see cref="TimeProvider"/> becomes the servers' clock, and a registered
    /// <see cref="IClusterStore"/> (for example through ProtocolSdk.Redis's <c>AddRedisClusterStore</c>, over the container's
    /// <c>IConnectionMultiplexer</c>) the store of ClusterWide policies unless <see cref="ProtocolServerHostOptions.ClusterStore"/> is set.
    /// Calls for different protocol types run side by side; calls for the same type add to one server's settings.
    /// </summary>
    public static IServiceCollection AddProtocolServer<TProtocol>(this IServiceCollection services, Action<ProtocolServerHostOptions>? configure = null)
        where TProtocol : Protocol, new()
    {
        ArgumentNullException.ThrowIfNull(services);
        return services.AddProtocolServerCore<TProtocol>(static _ => static () => new TProtocol(), configure);
    }

    /// <summary>
    /// Like <see cref="AddProtocolServer{TProtocol}(IServiceCollection, Action{ProtocolServerHostOptions}?)"/>, with a
    /// factory that makes one protocol per connection and may take services from the container (it runs on the accepting
    /// path, so resolve singletons once outside the lambda if it must be cheap). For one protocol type, the last factory registered wins.
    /// </summary>
    public static IServiceCollection AddProtocolServer<TProtocol>(this IServiceCollection services, Func<IServiceProvider, TProtocol> factory, Action<ProtocolServerHostOptions>? configure = null)
        where TProtocol : Protocol
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(factory);
        return services.AddProtocolServerCore<TProtocol>(sp => () => factory(sp), configure);
    }

    /// <summary>
    /// Like <see cref="AddProtocolServer{TProtocol}(IServiceCollection, Action{ProtocolServerHostOptions}?)"/>, with the
    /// settings read from a configuration section (no reflection: the keys are read one by one, so it is trim- and AOT-safe):
    /// <code>
    /// "Resp": {
    ///   "Endpoints": [ { "Address": "127.0.0.1", "Port": 6380 }, "[::1]:6380" ],
    ///   "IoEngine": "Default", "Backlog": 512, "ReceiveBufferSize": 65536, "HighWaterMark": 65536, "LowWaterMark": 16384,
    ///   "MaxBufferedBytes": 8388608, "LingerTimeout": "00:00:05", "ShutdownTimeout": "00:00:05"
    /// }
    /// </code>
    /// Each endpoint is either an object with <c>Address</c> (an IP address; default 127.0.0.1) and <c>Port</c>
    /// (0..65535; required), or a string that <see cref="IPEndPoint.TryParse(string, out IPEndPoint?)"/> accepts.
    /// Invalid values throw <see cref="InvalidOperationException"/> naming the key when the host starts.
    /// </summary>
    public static IServiceCollection AddProtocolServer<TProtocol>(this IServiceCollection services, IConfiguration section, Action<ProtocolServerHostOptions>? configure = null)
        where TProtocol : Protocol, new()
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(section);
        return services.AddProtocolServerCore<TProtocol>(static _ => static () => new TProtocol(), options =>
        {
            ProtocolServerConfigurationReader.Bind(section, options);
            configure?.Invoke(options);
        });
    }

    /// <summary>
    /// Like <see cref="AddProtocolServer{TProtocol}(IServiceCollection, Func{IServiceProvider, TProtocol}, Action{ProtocolServerHostOptions}?)"/>
    /// with the settings read from a configuration section as in <see cref="AddProtocolServer{TProtocol}(IServiceCollection, IConfiguration, Action{ProtocolServerHostOptions}?)"/>.
    /// </summary>
    public static IServiceCollection AddProtocolServer<TProtocol>(this IServiceCollection services, IConfiguration section, Func<IServiceProvider, TProtocol> factory, Action<ProtocolServerHostOptions>? configure = null)
        where TProtocol : Protocol
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(section);
        ArgumentNullException.ThrowIfNull(factory);
        return services.AddProtocolServerCore<TProtocol>(sp => () => factory(sp), options =>
        {
            ProtocolServerConfigurationReader.Bind(section, options);
            configure?.Invoke(options);
        });
    }

    private static IServiceCollection AddProtocolServerCore<TProtocol>(this IServiceCollection services, Func<IServiceProvider, Func<TProtocol>> factory, Action<ProtocolServerHostOptions>? configure)
        where TProtocol : Protocol
    {
        string name = ProtocolServerHost<TProtocol>.OptionsName;
        var builder = services.AddOptions<ProtocolServerHostOptions>(name);
        if (configure is not null) builder.Configure(configure);

        // Last registration wins for the factory; options accumulate; host and hosted service are registered once.
        services.AddSingleton(new ProtocolFactoryRegistration<TProtocol>(factory));
        services.TryAddSingleton(static sp => new ProtocolServerHost<TProtocol>(
            sp.GetRequiredService<ProtocolFactoryRegistration<TProtocol>>().Factory(sp),
            sp.GetRequiredService<IOptionsMonitor<ProtocolServerHostOptions>>().Get(ProtocolServerHost<TProtocol>.OptionsName),
            sp.GetService<ILoggerFactory>(),
            sp.GetService<TimeProvider>(),
            sp.GetService<IClusterStore>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, ProtocolServerHost<TProtocol>>(
            static sp => sp.GetRequiredService<ProtocolServerHost<TProtocol>>()));
        return services;
    }
}

internal sealed class ProtocolFactoryRegistration<TProtocol>(Func<IServiceProvider, Func<TProtocol>> factory)
    where TProtocol : Protocol
{
    public Func<IServiceProvider, Func<TProtocol>> Factory { get; } = factory;
}

/// <summary>Reads <see cref="ProtocolServerHostOptions"/> from configuration keys without the reflection-based binder.</summary>
internal static class ProtocolServerConfigurationReader
{
    public static void Bind(IConfiguration section, ProtocolServerHostOptions options)
    {
        foreach (var child in section.GetSection("Endpoints").GetChildren())
        {
            options.Endpoints.Add(ReadEndpoint(child));
        }
        ReadInt(section, nameof(ProtocolServerHostOptions.Backlog), v => options.Backlog = v);
        ReadIoEngine(section, v => options.IoEngine = v);
        ReadInt(section, nameof(ProtocolServerHostOptions.ReceiveBufferSize), v => options.ReceiveBufferSize = v);
        ReadInt(section, nameof(ProtocolServerHostOptions.HighWaterMark), v => options.HighWaterMark = v);
        ReadInt(section, nameof(ProtocolServerHostOptions.LowWaterMark), v => options.LowWaterMark = v);
        ReadLong(section, nameof(ProtocolServerHostOptions.MaxBufferedBytes), v => options.MaxBufferedBytes = v);
        ReadTimeSpan(section, nameof(ProtocolServerHostOptions.LingerTimeout), v => options.LingerTimeout = v);
        ReadTimeSpan(section, nameof(ProtocolServerHostOptions.ShutdownTimeout), v => options.ShutdownTimeout = v);
    }

    private static void ReadIoEngine(IConfiguration section, Action<IoEngine> assign)
    {
        var entry = section.GetSection(nameof(ProtocolServerHostOptions.IoEngine));
        if (entry.Value is not { Length: > 0 } text) return;
        // Named values only (Enum.TryParse would also take "7" or "Epoll,Sockets").
        IoEngine? engine = text.Trim().ToUpperInvariant() switch
        {
            "DEFAULT" => IoEngine.Default,
            "SOCKETS" => IoEngine.Sockets,
            "EPOLL" => IoEngine.Epoll,
            _ => null,
        };
        if (engine is null) throw Invalid(entry.Path, text, "Default, Sockets or Epoll");
        assign(engine.Value);
    }

    private static void ReadLong(IConfiguration section, string key, Action<long> assign)
    {
        var entry = section.GetSection(key);
        if (entry.Value is not { Length: > 0 } text) return;
        if (!long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out long value))
        {
            throw Invalid(entry.Path, text, "an integer");
        }
        assign(value);
    }

    private static void ReadTimeSpan(IConfiguration section, string key, Action<TimeSpan> assign)
    {
        var entry = section.GetSection(key);
        if (entry.Value is not { Length: > 0 } text) return;
        if (!TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var value))
        {
            throw Invalid(entry.Path, text, "a time span such as 00:00:05");
        }
        assign(value);
    }

    private static IPEndPoint ReadEndpoint(IConfigurationSection entry)
    {
        if (entry.Value is { Length: > 0 } text)
        {
            if (IPEndPoint.TryParse(text.Trim(), out var parsed)) return parsed;
            throw Invalid(entry.Path, text, "an endpoint such as 127.0.0.1:7000 or [::1]:7000");
        }

        var addressSection = entry.GetSection("Address");
        var address = IPAddress.Loopback;
        if (addressSection.Value is { Length: > 0 } addressText)
        {
            if (!IPAddress.TryParse(addressText.Trim(), out address!))
            {
                throw Invalid(addressSection.Path, addressText, "an IP address such as 127.0.0.1, 0.0.0.0 or ::");
            }
        }
        var portSection = entry.GetSection("Port");
        if (portSection.Value is not { Length: > 0 } portText)
        {
            throw new InvalidOperationException($"Configuration key '{portSection.Path}' is missing: every endpoint needs a port (0 picks a free one).");
        }
        if (!int.TryParse(portText, NumberStyles.Integer, CultureInfo.InvariantCulture, out int port) || port is < 0 or > 65535)
        {
            throw Invalid(portSection.Path, portText, "a port number from 0 to 65535");
        }
        return new IPEndPoint(address, port);
    }

    private static void ReadInt(IConfiguration section, string key, Action<int> assign)
    {
        var entry = section.GetSection(key);
        if (entry.Value is not { Length: > 0 } text) return;
        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int value))
        {
            throw Invalid(entry.Path, text, "an integer");
        }
        assign(value);
    }

    private static InvalidOperationException Invalid(string path, string value, string expected) =>
        new($"Configuration key '{path}' has the value '{value}'; expected {expected}.");
}
