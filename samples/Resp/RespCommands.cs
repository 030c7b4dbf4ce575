using System;
using System.Text;

namespace Resp;

/// <summary>What the connection does after a command's reply.</summary>
public enum CommandOutcome
{
    /// <summary>Go on reading commands.</summary>
    Continue,
    /// <summary>Flush the replies, then close (QUIT).</summary>
    Close,
}

/// <summary>Executes the supported RESP2 commands against a <see cref="KeyValueStore"/>.</summary>
public static class RespCommands
{
    /// <summary>The commands this server answers (upper case).</summary>
    public static readonly string[] Supported =
    [
        "PING", "ECHO", "SET", "GET", "DEL", "EXISTS", "INCR", "DECR", "INCRBY", "MGET", "MSET",
        "DBSIZE", "FLUSHDB", "FLUSHALL", "SELECT", "QUIT", "COMMAND", "CONFIG", "CLIENT", "INFO",
    ];

    /// <summary>Runs one command and writes its reply. An empty command writes nothing.</summary>
    public static CommandOutcome Execute(in RespCommand command, KeyValueStore store, ReplyWriter reply)
    {
        if (command.Count == 0) return CommandOutcome.Continue;
        var name = command[0];
        int argc = command.Count;

        // Hot commands first.
        if (Is(name, "GET"u8))
        {
            if (argc != 2) return WrongArity(reply, "get");
            if (store.TryGet(command[1], out var value)) reply.Bulk(value);
            else reply.Null();
        }
        else if (Is(name, "SET"u8))
        {
            if (argc < 3) return WrongArity(reply, "set");
            Set(command, store, reply);
        }
        else if (Is(name, "PING"u8))
        {
            if (argc == 1) reply.Raw("+PONG\r\n"u8);
            else if (argc == 2) reply.Bulk(command[1]);
            else return WrongArity(reply, "ping");
        }
        else if (Is(name, "ECHO"u8))
        {
            if (argc != 2) return WrongArity(reply, "echo");
            reply.Bulk(command[1]);
        }
        else if (Is(name, "DEL"u8) || Is(name, "UNLINK"u8))
        {
            if (argc < 2) return WrongArity(reply, "del");
            long removed = 0;
            for (int i = 1; i < argc; i++) if (store.Remove(command[i])) removed++;
            reply.Integer(removed);
        }
        else if (Is(name, "EXISTS"u8))
        {
            if (argc < 2) return WrongArity(reply, "exists");
            long found = 0;
            for (int i = 1; i < argc; i++) if (store.Contains(command[i])) found++;
            reply.Integer(found);
        }
        else if (Is(name, "INCR"u8) || Is(name, "DECR"u8))
        {
            if (argc != 2) return WrongArity(reply, Is(name, "INCR"u8) ? "incr" : "decr");
            Increment(store, command[1], Is(name, "INCR"u8) ? 1 : -1, reply);
        }
        else if (Is(name, "INCRBY"u8))
        {
            if (argc != 3) return WrongArity(reply, "incrby");
            if (!KeyValueStore.TryParseInteger(command[2], out long delta)) reply.Error("ERR value is not an integer or out of range");
            else Increment(store, command[1], delta, reply);
        }
        else if (Is(name, "MGET"u8))
        {
            if (argc < 2) return WrongArity(reply, "mget");
            reply.ArrayHeader(argc - 1);
            for (int i = 1; i < argc; i++)
            {
                if (store.TryGet(command[i], out var value)) reply.Bulk(value);
                else reply.Null();
            }
        }
        else if (Is(name, "MSET"u8))
        {
            if (argc < 3 || argc % 2 == 0) return WrongArity(reply, "mset");
            for (int i = 1; i < argc; i += 2) store.Set(command[i], command[i + 1]);
            reply.Ok();
        }
        else if (Is(name, "DBSIZE"u8))
        {
            reply.Integer(store.Count);
        }
        else if (Is(name, "FLUSHDB"u8) || Is(name, "FLUSHALL"u8))
        {
            store.Clear();
            reply.Ok();
        }
        else if (Is(name, "SELECT"u8))
        {
            if (argc != 2) return WrongArity(reply, "select");
            if (command[1].SequenceEqual("0"u8)) reply.Ok();
            else reply.Error("ERR DB index is out of range");
        }
        else if (Is(name, "QUIT"u8))
        {
            reply.Ok();
            return CommandOutcome.Close;
        }
        else if (Is(name, "COMMAND"u8))
        {
            Command(command, reply);
        }
        else if (Is(name, "CONFIG"u8))
        {
            Config(command, reply);
        }
        else if (Is(name, "CLIENT"u8))
        {
            // redis-cli and client libraries send CLIENT SETNAME / SETINFO; accept and ignore them.
            reply.Ok();
        }
        else if (Is(name, "INFO"u8))
        {
            reply.Bulk($"# Server\r\nredis_version:7.0.0\r\nredis_mode:standalone\r\nserver_name:protocolsdk-resp-sample\r\n# Keyspace\r\ndb0:keys={store.Count},expires=0\r\n");
        }
        else
        {
            UnknownCommand(command, reply);
        }
        return CommandOutcome.Continue;
    }

    private static void Set(in RespCommand command, KeyValueStore store, ReplyWriter reply)
    {
        bool nx = false, xx = false;
        for (int i = 3; i < command.Count; i++)
        {
            if (Is(command[i], "NX"u8)) nx = true;
            else if (Is(command[i], "XX"u8)) xx = true;
            else
            {
                reply.Error("ERR syntax error (this sample supports SET key value [NX|XX])");
                return;
            }
        }
        if (nx && xx)
        {
            reply.Error("ERR syntax error");
            return;
        }
        bool stored = true;
        if (nx) stored = store.SetIfAbsent(command[1], command[2]);
        else if (xx) stored = store.SetIfPresent(command[1], command[2]);
        else store.Set(command[1], command[2]);
        if (stored) reply.Ok();
        else reply.Null();
    }

    private static void Increment(KeyValueStore store, ReadOnlySpan<byte> key, long delta, ReplyWriter reply)
    {
        switch (store.Increment(key, delta, out long result))
        {
            case IncrementResult.Ok: reply.Integer(result); break;
            case IncrementResult.Overflow: reply.Error("ERR increment or decrement would overflow"); break;
            default: reply.Error("ERR value is not an integer or out of range"); break;
        }
    }

    private static void Command(in RespCommand command, ReplyWriter reply)
    {
        if (command.Count >= 2 && Is(command[1], "COUNT"u8))
        {
            reply.Integer(Supported.Length);
        }
        else if (command.Count == 1 || Is(command[1], "DOCS"u8) || Is(command[1], "INFO"u8))
        {
            // No command metadata: redis-cli then simply shows no hints.
            reply.ArrayHeader(0);
        }
        else
        {
            reply.Error("ERR unknown subcommand '" + Text(command[1]) + "'. Try COMMAND HELP.");
        }
    }

    private static void Config(in RespCommand command, ReplyWriter reply)
    {
        if (command.Count >= 2 && Is(command[1], "GET"u8))
        {
            if (command.Count < 3)
            {
                reply.Error("ERR wrong number of arguments for 'config|get' command");
                return;
            }
            // redis-benchmark asks for "save" and "appendonly"; answer as a server without persistence.
            int pairs = 0;
            for (int i = 2; i < command.Count; i++) if (KnownConfig(command[i]) is not null) pairs++;
            reply.ArrayHeader(2 * pairs);
            for (int i = 2; i < command.Count; i++)
            {
                if (KnownConfig(command[i]) is { } value)
                {
                    reply.Bulk(Text(command[i]).ToLowerInvariant());
                    reply.Bulk(value);
                }
            }
        }
        else if (command.Count >= 2 && (Is(command[1], "SET"u8) || Is(command[1], "RESETSTAT"u8)))
        {
            reply.Ok();
        }
        else
        {
            reply.Error("ERR unknown subcommand or wrong number of arguments for 'config'");
        }
    }

    private static string? KnownConfig(ReadOnlySpan<byte> name) =>
        Is(name, "save"u8) ? "" :
        Is(name, "appendonly"u8) ? "no" :
        Is(name, "databases"u8) ? "1" :
        null;

    private static CommandOutcome WrongArity(ReplyWriter reply, string name)
    {
        reply.Error("ERR wrong number of arguments for '" + name + "' command");
        return CommandOutcome.Continue;
    }

    private static void UnknownCommand(in RespCommand command, ReplyWriter reply)
    {
        var message = new StringBuilder("ERR unknown command '").Append(Clip(command[0])).Append("', with args beginning with: ");
        for (int i = 1; i < command.Count && i <= 8; i++) message.Append('\'').Append(Clip(command[i])).Append("' ");
        reply.Error(message.ToString());
    }

    private static bool Is(ReadOnlySpan<byte> value, ReadOnlySpan<byte> upper) => System.Text.Ascii.EqualsIgnoreCase(value, upper);

    private static string Text(ReadOnlySpan<byte> value) => Encoding.UTF8.GetString(value);

    private static string Clip(ReadOnlySpan<byte> value)
    {
        var text = Encoding.UTF8.GetString(value[..Math.Min(value.Length, 128)]);
        return text.Replace('\r', ' ').Replace('\n', ' ');
    }
}
