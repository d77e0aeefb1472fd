#!/usr/bin/env python3
"""PyTorch twin of `swift run -c release word-language-model`: pytorch/examples
word_language_model (main.py, model.py, data.py) condensed, on Data/KJV, with the same flags and
defaults (2 epochs instead of 40). Writes the same CSV (epoch, train_loss, valid_loss, valid_ppl,
learning_rate, elapsed_seconds, then a `test` row).

    python3 Scripts/gallery/word_language_model.py --model LSTM --log /tmp/wlm-torch.csv --threads 2
"""
import argparse
import math
import os
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
p = argparse.ArgumentParser()
p.add_argument("--data", default=os.path.join(ROOT, "Data", "KJV"))
p.add_argument("--model", default="LSTM")
p.add_argument("--emsize", type=int, default=200)
p.add_argument("--nhid", type=int, default=200)
p.add_argument("--nlayers", type=int, default=2)
p.add_argument("--lr", type=float, default=20)
p.add_argument("--clip", type=float, default=0.25)
p.add_argument("--epochs", type=int, default=2)
p.add_argument("--batch_size", "--batch-size", type=int, default=20)
p.add_argument("--bptt", type=int, default=35)
p.add_argument("--dropout", type=float, default=0.2)
p.add_argument("--tied", action="store_true")
p.add_argument("--seed", type=int, default=1111)
p.add_argument("--log-interval", type=int, default=200)
p.add_argument("--nhead", type=int, default=2)
p.add_argument("--max-batches", type=int)
p.add_argument("--log")
p.add_argument("--threads", type=int, default=2)
p.add_argument("--init", help="start from this safetensors state dict (ours, e.g. word-language-model --save-initial)")
p.add_argument("--eval-only", action="store_true", help="with --init: print the valid and test loss and stop")
p.add_argument("--save", help="write the best model's state dict here (safetensors)")
args = p.parse_args()
torch.set_num_threads(args.threads)
torch.manual_seed(args.seed)


class Corpus:
    def __init__(self, path):
        self.idx2word, self.word2idx = [], {}
        self.train, self.valid, self.test = (self.tokenize(os.path.join(path, f)) for f in ("train.txt", "valid.txt", "test.txt"))

    def tokenize(self, path):
        ids = []
        for line in open(path, encoding="utf8"):
            for word in line.split() + ["<eos>"]:
                if word not in self.word2idx:
                    self.word2idx[word] = len(self.idx2word)
                    self.idx2word.append(word)
                ids.append(self.word2idx[word])
        return torch.tensor(ids, dtype=torch.int64)


class RNNModel(nn.Module):
    def __init__(self, rnn_type, ntoken, ninp, nhid, nlayers, dropout=0.5, tie_weights=False):
        super().__init__()
        self.ntoken, self.drop = ntoken, nn.Dropout(dropout)
        self.encoder = nn.Embedding(ntoken, ninp)
        if rnn_type in ["LSTM", "GRU"]:
            self.rnn = getattr(nn, rnn_type)(ninp, nhid, nlayers, dropout=dropout)
        else:
            self.rnn = nn.RNN(ninp, nhid, nlayers, nonlinearity={"RNN_TANH": "tanh", "RNN_RELU": "relu"}[rnn_type], dropout=dropout)
        self.decoder = nn.Linear(nhid, ntoken)
        if tie_weights:
            self.decoder.weight = self.encoder.weight
        nn.init.uniform_(self.encoder.weight, -0.1, 0.1)
        nn.init.zeros_(self.decoder.bias)
        nn.init.uniform_(self.decoder.weight, -0.1, 0.1)
        self.rnn_type, self.nhid, self.nlayers = rnn_type, nhid, nlayers

    def forward(self, input, hidden):
        output, hidden = self.rnn(self.drop(self.encoder(input)), hidden)
        decoded = self.decoder(self.drop(output)).view(-1, self.ntoken)
        return F.log_softmax(decoded, dim=1), hidden

    def init_hidden(self, bsz):
        w = next(self.parameters())
        if self.rnn_type == "LSTM":
            return (w.new_zeros(self.nlayers, bsz, self.nhid), w.new_zeros(self.nlayers, bsz, self.nhid))
        return w.new_zeros(self.nlayers, bsz, self.nhid)


class PositionalEncoding(nn.Module):
    def __init__(self, d_model, dropout=0.1, max_len=5000):
        super().__init__()
        self.dropout = nn.Dropout(p=dropout)
        pe = torch.zeros(max_len, d_model)
        position = torch.arange(0, max_len, dtype=torch.float).unsqueeze(1)
        div_term = torch.exp(torch.arange(0, d_model, 2).float() * (-math.log(10000.0) / d_model))
        pe[:, 0::2] = torch.sin(position * div_term)
        pe[:, 1::2] = torch.cos(position * div_term)
        self.register_buffer("pe", pe.unsqueeze(0).transpose(0, 1))

    def forward(self, x):
        return self.dropout(x + self.pe[:x.size(0), :])


class TransformerModel(nn.Transformer):
    def __init__(self, ntoken, ninp, nhead, nhid, nlayers, dropout=0.5):
        super().__init__(d_model=ninp, nhead=nhead, dim_feedforward=nhid, num_encoder_layers=nlayers)
        self.src_mask, self.input_emb = None, nn.Embedding(ntoken, ninp)
        self.pos_encoder, self.ninp = PositionalEncoding(ninp, dropout), ninp
        self.decoder = nn.Linear(ninp, ntoken)
        nn.init.uniform_(self.input_emb.weight, -0.1, 0.1)
        nn.init.zeros_(self.decoder.bias)
        nn.init.uniform_(self.decoder.weight, -0.1, 0.1)

    def forward(self, src, has_mask=True):
        mask = torch.log(torch.tril(torch.ones(len(src), len(src))))
        src = self.pos_encoder(self.input_emb(src) * math.sqrt(self.ninp))
        output = self.decoder(self.encoder(src, mask=mask))
        return F.log_softmax(output, dim=-1)


def batchify(data, bsz):
    nbatch = data.size(0) // bsz
    return data.narrow(0, 0, nbatch * bsz).view(bsz, -1).t().contiguous()


corpus = Corpus(args.data)
train_data, val_data, test_data = batchify(corpus.train, args.batch_size), batchify(corpus.valid, 10), batchify(corpus.test, 10)
ntokens = len(corpus.idx2word)
if args.model == "Transformer":
    model = TransformerModel(ntokens, args.emsize, args.nhead, args.nhid, args.nlayers, args.dropout)
else:
    model = RNNModel(args.model, ntokens, args.emsize, args.nhid, args.nlayers, args.dropout, args.tied)
criterion = nn.NLLLoss()
if args.init:
    from safetensors.torch import load_file
    state = load_file(args.init)
    missing, unexpected = model.load_state_dict(state, strict=False)
    # nn.Transformer's unused decoder stack has no twin in ours; everything else must match.
    missing = [k for k in missing if not (args.model == "Transformer" and k.startswith("decoder.") and k.count(".") > 1)]
    if missing or unexpected:
        raise SystemExit(f"{args.init}: missing {missing}, unexpected {unexpected}")


def repackage_hidden(h):
    return h.detach() if isinstance(h, torch.Tensor) else tuple(repackage_hidden(v) for v in h)


def get_batch(source, i):
    seq_len = min(args.bptt, len(source) - 1 - i)
    return source[i:i + seq_len], source[i + 1:i + 1 + seq_len].view(-1)


def evaluate(data_source):
    model.eval()
    total_loss = 0.
    if args.model != "Transformer":
        hidden = model.init_hidden(10)
    with torch.no_grad():
        for i in range(0, data_source.size(0) - 1, args.bptt):
            data, targets = get_batch(data_source, i)
            if args.model == "Transformer":
                output = model(data).view(-1, ntokens)
            else:
                output, hidden = model(data, hidden)
                hidden = repackage_hidden(hidden)
            total_loss += len(data) * criterion(output, targets).item()
    return total_loss / (len(data_source) - 1)


def train(epoch, lr):
    model.train()
    total_loss, epoch_loss, nb, start_time = 0., 0., 0, time.time()
    if args.model != "Transformer":
        hidden = model.init_hidden(args.batch_size)
    for batch, i in enumerate(range(0, train_data.size(0) - 1, args.bptt)):
        if args.max_batches is not None and batch >= args.max_batches:
            break
        data, targets = get_batch(train_data, i)
        model.zero_grad()
        if args.model == "Transformer":
            output = model(data).view(-1, ntokens)
        else:
            hidden = repackage_hidden(hidden)
            output, hidden = model(data, hidden)
        loss = criterion(output, targets)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), args.clip)
        for p in model.parameters():
            p.data.add_(p.grad, alpha=-lr)
        total_loss += loss.item()
        epoch_loss += loss.item()
        nb += 1
        if batch % args.log_interval == 0 and batch > 0:
            cur_loss = total_loss / args.log_interval
            elapsed = time.time() - start_time
            print("| epoch {:3d} | {:5d}/{:5d} batches | lr {:02.2f} | ms/batch {:5.2f} | loss {:5.2f} | ppl {:8.2f}".format(
                epoch, batch, len(train_data) // args.bptt, lr, elapsed * 1000 / args.log_interval, cur_loss, math.exp(cur_loss)))
            total_loss, start_time = 0, time.time()
    return epoch_loss / max(nb, 1)


if args.eval_only:
    for name, data in [("valid", val_data), ("test", test_data)]:
        loss = evaluate(data)
        print(f"{name} loss {loss:.6f} ppl {math.exp(loss):.4f}")
    raise SystemExit(0)
lr, best_val_loss, rows, start = args.lr, None, [], time.time()
best_state = None
for epoch in range(1, args.epochs + 1):
    epoch_start_time = time.time()
    train_loss = train(epoch, lr)
    val_loss = evaluate(val_data)
    print("-" * 89)
    print("| end of epoch {:3d} | time: {:5.2f}s | valid loss {:5.2f} | valid ppl {:8.2f}".format(
        epoch, (time.time() - epoch_start_time), val_loss, math.exp(val_loss)))
    print("-" * 89)
    rows.append((epoch, train_loss, val_loss, math.exp(val_loss), lr, time.time() - start))
    if not best_val_loss or val_loss < best_val_loss:
        best_state = {k: v.clone() for k, v in model.state_dict().items()}
        best_val_loss = val_loss
    else:
        lr /= 4.0
model.load_state_dict(best_state)
if args.save:
    from safetensors.torch import save_file
    save_file({k: v.contiguous() for k, v in best_state.items()}, args.save)
test_loss = evaluate(test_data)
print("=" * 89)
print("| End of training | test loss {:5.2f} | test ppl {:8.2f}".format(test_loss, math.exp(test_loss)))
print("=" * 89)
if args.log:
    with open(args.log, "w") as f:
        f.write("epoch,train_loss,valid_loss,valid_ppl,learning_rate,elapsed_seconds\n")
        for r in rows:
            f.write(f"{r[0]},{r[1]},{r[2]},{r[3]},{r[4]},{r[5]:.3f}\n")
        f.write(f"test,,{test_loss},{math.exp(test_loss)},,{time.time() - start:.3f}\n")
