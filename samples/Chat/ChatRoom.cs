using System;
using System.Collections.Generic;
using System.Text;

namespace ProtocolSdk.Samples.Chat;

/// <summary>
/// The members of the chat room. Broadcasting encodes a line once and writes it to each member's transport:
/// <see cref="Transport.Write"/> is safe from any thread, and one Write per line keeps lines from interleaving.
/// </summary>
public sealed class ChatRoom
{
    /// <summary>A member whose unsent backlog passes this is disconnected: broadcasters never wait for a slow reader.</summary>
    public const int MaxBacklogBytes = 256 * 1024;

    private readonly Dictionary<string, Transport> _members = new(StringComparer.OrdinalIgnoreCase);

    public int Count
    {
        get { lock (_members) return _members.Count; }
    }

    /// <summary>Adds a member; false when the nickname is taken.</summary>
    public bool TryJoin(string nick, Transport transport)
    {
        lock (_members) return _members.TryAdd(nick, transport);
    }

    public bool TryRename(string oldNick, string newNick)
    {
        lock (_members)
        {
            if (!_members.Remove(oldNick, out var transport)) return false;
            if (_members.TryAdd(newNick, transport)) return true;
            _members.Add(oldNick, transport);
            return false;
        }
    }

    public void Leave(string nick)
    {
        lock (_members) _members.Remove(nick);
    }

    public string[] Nicknames()
    {
        lock (_members)
        {
            var names = new string[_members.Count];
            _members.Keys.CopyTo(names, 0);
            Array.Sort(names, StringComparer.OrdinalIgnoreCase);
            return names;
        }
    }

    /// <summary>Sends <paramref name="line"/> (plus CRLF) to every member except <paramref name="except"/>.</summary>
    public void Broadcast(string line, string? except)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(line + "\r\n");
        Transport[] targets;
        lock (_members)
        {
            targets = new Transport[_members.Count];
            int i = 0;
            foreach (var (nick, transport) in _members)
            {
                if (except is null || !string.Equals(nick, except, StringComparison.OrdinalIgnoreCase)) targets[i++] = transport;
            }
            Array.Resize(ref targets, i);
        }
        foreach (var transport in targets)
        {
            if (transport.BufferedBytes > MaxBacklogBytes)
            {
                transport.Abort(DisconnectReason.Policy("too slow: chat backlog over 256 KiB"));
                continue;
            }
            transport.Write(bytes); // ignored if that member has just left
        }
    }
}
