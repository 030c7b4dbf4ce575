using System;
using System.Security.Cryptography;
using System.Text;
using System.Threading.Tasks;
using StackExchange.Redis;

namespace ProtocolSdk.Redis.Internal;

/// <summary>
/// A Lua script run by its SHA1 (EVALSHA), so a call sends the 40-byte hash instead of the script text; when the server
/// does not know the script yet (first call, restart, failover, SCRIPT FLUSH) it answers NOSCRIPT and the script is sent
/// once in full (EVAL), which also loads it into that server's script cache.
/// </summary>
internal sealed class RedisScript
{
    private readonly string _text;
    private readonly byte[] _sha1;

    public RedisScript(string text)
    {
        _text = text;
        _sha1 = SHA1.HashData(Encoding.UTF8.GetBytes(text));
    }

    public Task<RedisResult> EvaluateAsync(IDatabaseAsync database, RedisKey[] keys, RedisValue[] values, CommandFlags flags = CommandFlags.None)
    {
        Task<RedisResult> bySha = database.ScriptEvaluateAsync(_sha1, keys, values, flags);
        // The common case completes through the original task: no extra state machine unless NOSCRIPT comes back.
        return bySha.IsCompletedSuccessfully ? bySha : WithLoadFallbackAsync(bySha, database, keys, values, flags);
    }

    private async Task<RedisResult> WithLoadFallbackAsync(Task<RedisResult> bySha, IDatabaseAsync database, RedisKey[] keys, RedisValue[] values, CommandFlags flags)
    {
        try
        {
            return await bySha.ConfigureAwait(false);
        }
        catch (RedisServerException e) when (e.Message.StartsWith("NOSCRIPT", StringComparison.Ordinal))
        {
            return await database.ScriptEvaluateAsync(_text, keys, values, flags).ConfigureAwait(false);
        }
    }
}
