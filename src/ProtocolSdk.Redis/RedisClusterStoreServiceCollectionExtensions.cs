using System;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace ProtocolSdk.Redis;

/// <summary>Registers a <see cref="RedisClusterStore"/> in a service container.</summary>
public static class RedisClusterStoreServiceCollectionExtensions
{
    /// <summary>
    /// Registers a <see cref="RedisClusterStore"/> as the container's <see cref="IClusterStore"/> (a singleton, disposed
    /// with the container), over the container's <see cref="IConnectionMultiplexer"/>, which must be registered too.
    /// Logs go to the container's <see cref="ILoggerFactory"/>, metrics to its <see cref="IMeterFactory"/>, time comes
    /// from its <see cref="TimeProvider"/> when one is registered; <paramref name="configure"/> sets the rest
    /// (<see cref="RedisClusterStoreOptions.KeyPrefix"/>, <see cref="RedisClusterStoreOptions.LeaseTime"/>, ...).
    /// <c>ProtocolSdk.Hosting</c>'s <c>AddProtocolServer</c> gives the store to every server it runs. A store already
    /// registered as <see cref="IClusterStore"/> is kept.
    /// </summary>
    public static IServiceCollection AddRedisClusterStore(this IServiceCollection services, Action<RedisClusterStoreOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton<IClusterStore>(provider =>
        {
            var options = new RedisClusterStoreOptions
            {
                LoggerFactory = provider.GetService<ILoggerFactory>(),
                MeterFactory = provider.GetService<IMeterFactory>(),
            };
            if (provider.GetService<TimeProvider>() is { } time) options.TimeProvider = time;
            configure?.Invoke(options);
            var redis = provider.GetService<IConnectionMultiplexer>() ?? throw new InvalidOperationException(
                "AddRedisClusterStore needs an IConnectionMultiplexer in the container: register one first, for example " +
                "services.AddSingleton<IConnectionMultiplexer>(ConnectionMultiplexer.Connect(\"127.0.0.1:6379,abortConnect=false\")).");
            return new RedisClusterStore(redis, options);
        });
        return services;
    }
}
